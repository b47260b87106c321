"""sagestack: the project's tooling (the local AWS now; validate, render and promote later).

Not part of the `components` import path: user programs never import it.
"""
