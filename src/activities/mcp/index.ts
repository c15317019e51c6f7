/**
 * The worker side of MCP servers: a pool of clients per worker process, reading the servers' tool lists and calling
 * their tools. Servers are code the user configured and trusts: they run with the worker's rights, outside the
 * agent sandbox. Activities wrap these functions; the shared types and failure types are in src/domain/mcp.ts.
 */
export { callMcpTool, type CallMcpToolOptions } from './call-tool';
export type { McpConnection } from './connection';
export { listMcpTools } from './list-tools';
export { isPerTaskServer, McpClientPool, type McpPoolEntry, type McpPoolOptions, type McpScope } from './pool';
