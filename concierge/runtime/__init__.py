"""The worker side: what a running process holds (`process.py`: services, the checkpointed graph, the
runner and the queue), the queues that carry events to the graph (`queue.py` in-process,
`pg_queue.py` procrastinate on PostgreSQL), what a worker does with one event (`processing.py`),
running the graph for one thread (`runner.py`) and the threads that stopped moving (`stuck.py`)."""
