"""Guards: checks of what a model answered, applied by the nodes before anything acts on it.

Exact signals win over the model's reading (`triage.py`)."""
