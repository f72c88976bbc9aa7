"""One module per graph node. Prompts live beside the node that uses them."""
