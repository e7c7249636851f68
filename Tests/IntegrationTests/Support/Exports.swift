// The process-test harness shared with DashboardTests (child processes, the scripted upstream,
// HTTP helpers, temp directories), visible in every file of this target.
@_exported import TestSupport
