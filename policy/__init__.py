"""The CrossGuard policy pack for SageMaker (`pulumi preview --policy-pack policy`)."""
