import { defineConfig } from '@playwright/test';

// The soak (test/soak/run.ts runs it): one long test on Mosquitto in Debian's Chromium.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const args = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

export default defineConfig({
  testDir: 'test/soak',
  outputDir: 'test-results/soak',
  workers: 1,
  retries: 0,
  reporter: 'list',
  expect: { timeout: 15_000 },
  use: { actionTimeout: 15_000, headless: true, launchOptions: { executablePath, args }, trace: 'off' },
});
