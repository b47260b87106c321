"""SageMaker as code on Pulumi: the component resources users build their platform from.

The components (training jobs, the model registry, serving, feature groups) arrive with the
issues that build them; the shared dynamic-provider core will live in `components.core`.
"""
