"""Dynamic providers (boto3), one module per resource, all on `components.core`."""
