// `npm run fleet`: the fleet scenario (bench/fleet.ts) on its own, exactly
// `npm run bench -- --only fleet`: bench/run.ts parses the options, builds
// dist/ if it is stale, serves a private copy of it, prints the fleet's rows
// of the bench table and adds `fleet` to bench/results.json (every other key
// stays as it is).
//
// Usage: npm run fleet -- [--consoles 50] [--browsers 3] [--fleet-stale 0.2] [--outage-seconds 10]
//                         [--dist <dir>] [--build] [--out bench/results.json]

process.argv.splice(2, 0, '--only', 'fleet');
await import('./run.js');
