// @vireo/sdk — filled in by the SDK issue.
export {};
