import { defineConfig } from '@playwright/test';
import type { HarnessWorkerOptions } from './test/e2e/harness.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without the background-networking flags Chromium floods this closed network with refused connections.
const args = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

export default defineConfig<object, HarnessWorkerOptions>({
  testDir: 'test/e2e',
  outputDir: 'test-results',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // Each test starts its own brokers and devices; two cores don't run several stacks well.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: process.env.CI ? [['list'], ['line']] : 'list',
  use: {
    headless: true,
    launchOptions: { executablePath, args },
    trace: 'retain-on-failure',
  },
  // Every spec runs once per broker (test/e2e/harness.ts reads brokerKind); pick one with --project=<name>.
  projects: [
    { name: 'aedes', use: { brokerKind: 'aedes' } },
    // Installability and offline-shell checks don't involve the broker: once (on aedes) is enough.
    { name: 'mosquitto', use: { brokerKind: 'mosquitto' }, testIgnore: /pwa\.spec\.ts$/ },
  ],
});
