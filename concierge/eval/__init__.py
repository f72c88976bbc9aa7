"""`concierge eval …`: measure Concierge's judgment on labelled data, one module per judgment.

Every command reads JSONL files in the shape of the public evaluation data (`split` = dev or
holdout on each row) and prints its metrics per split as JSON. Holdout rows are only measured.
"""
