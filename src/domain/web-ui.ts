/** The Temporal Web UI page of a workflow: `uiBase` without a trailing slash (see src/config/web-ui.ts). */
export function webUiLink(uiBase: string, namespace: string, workflowId: string): string {
  return `${uiBase}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
