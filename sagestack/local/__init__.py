"""The local AWS: moto's server plus our SageMaker fidelity layer (install the `local` extra)."""
