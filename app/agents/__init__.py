"""The memory agents (after MIRIX): deterministic extractors, a meta memory manager that routes a
batch of new input to the six memory types, one manager per type, the chat agent that answers
from memory, and consolidation. Every write they make is an audited operation with sources."""
