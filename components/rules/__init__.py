"""What the service model does not say: each resource's cross-field rules, as plain functions.

botocore's SageMaker model checks every member's type, range, pattern and enum (the core's
Check does that for every request); the rules here are the ones only the documentation states
(one of two members, limits across fields, what cannot change in place). A component runs them
at construction where it can, and the provider's Check runs them again on the final inputs.
"""
