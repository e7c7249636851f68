// Integration tests live in this target; see IntegrationHarness.swift.
