"""The MCP server (Model Context Protocol): Memloci as memory for the person's other AI tools, over
stdio and Streamable HTTP. The only async code outside app/api; the core stays threaded."""
