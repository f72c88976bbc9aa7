"""The shared public data (`../shared/eval/data`): reading it (`common.py`), the triage path of its
source intents (`intent_paths.py`), the measures on it (`judgment.py`, `phone.py`, `retrieval.py`;
the `concierge eval` commands print them) and the training of the offline engine's heads from its
dev rows (`train.py`). Every row carries `split` = dev or holdout; holdout rows are only measured."""
