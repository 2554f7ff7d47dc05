"""Language models: the bundled llama.cpp model and OpenAI-compatible endpoints."""
