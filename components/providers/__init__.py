"""Dynamic providers (boto3), one module per resource, all on `components.core`.

`PROVIDERS` lists every one of them: each conformance suite (waiter lint, pickled state, fault
matrix, bad inputs) is parametrized over it, and `tests/test_provider_registry.py` fails when a
provider module defines a provider this list lacks.
"""

from __future__ import annotations

from components.providers.endpoint import EndpointProvider
from components.providers.feature_group import FeatureGroupProvider
from components.providers.model_package import ModelPackageProvider
from components.providers.training_job import TrainingJobProvider

PROVIDERS = (TrainingJobProvider, ModelPackageProvider, EndpointProvider, FeatureGroupProvider)
