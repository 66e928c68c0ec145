#!/usr/bin/env node
// Runs the sandbox gateway in the foreground for manual testing: `npm run sandbox` in this repository,
// `npx paymentoptions-sandbox` where the package is installed (the package's `bin`, built into
// .medusa/server/sandbox/cli.js by `medusa plugin:build`).
import { DECLINE_CARDS, DEFAULT_TEST_CARD, THREE_DS_CARD, startSandbox } from "./index"

const USAGE = `Usage: paymentoptions-sandbox [--port <n>] [--host <address>] [--quiet]

A local look-alike of the PaymentOptions (DASGATEWAY) server-to-server API and hosted payment page,
for developing and testing a Medusa store with medusa-payment-paymentoptions. Test cards only; it
keeps its state in memory and stops with Ctrl-C.

  --port <n>        port to listen on (default: $PORT or 4010; 0 = any free port)
  --host <address>  address to listen on (default 127.0.0.1). Its control endpoints (/__sandbox/…)
                    have no authentication: keep it on loopback
  --quiet           no per-request log lines (also SANDBOX_QUIET=1)
  -h, --help        this text

Point the provider at it with the options it prints (baseUrl, apiKey, xApiKey, merchantId).`

function parseArgs(argv: string[]): { port: number; host: string; quiet: boolean } {
  let port = process.env.PORT ?? "4010"
  let host = "127.0.0.1"
  let quiet = process.env.SANDBOX_QUIET === "1"
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2)
    const value = (): string => {
      const v = inline ?? argv[++i]
      if (v === undefined || v === "") throw new Error(`${flag} needs a value (try --help)`)
      return v
    }
    if (flag === "-h" || flag === "--help") {
      console.log(USAGE)
      process.exit(0)
    } else if (flag === "--port") port = value()
    else if (flag === "--host") host = value()
    else if (flag === "--quiet") quiet = true
    else throw new Error(`unknown argument ${argv[i]} (try --help)`)
  }
  const n = Number(port)
  if (!/^\d+$/.test(port) || n > 65535) throw new Error(`Invalid port: ${port}`)
  return { port: n, host, quiet }
}

async function main(): Promise<void> {
  const { port, host, quiet } = parseArgs(process.argv.slice(2))
  const sb = await startSandbox({ port, host, quiet })
  const c = sb.credentials
  console.log(`PaymentOptions sandbox gateway listening on ${sb.url}

Provider options:
  baseUrl:    ${sb.url}
  apiKey:     ${c.apiKey}      (sent verbatim as "Authorization: Basic ${c.apiKey}")
  xApiKey:    ${c.xApiKey}
  merchantId: ${c.merchantId}

Test cards: ${DEFAULT_TEST_CARD} approves; ${Object.entries(DECLINE_CARDS)
    .map(([pan, code]) => `${pan} declines (${code})`)
    .join(", ")}
3-D Secure: ${THREE_DS_CARD} on P/authorizationv2 or P/paymentv2 (also via its stored token) answers
  { redirect_url: "${sb.url}/3ds/<token>", ... } and stays pending until the shopper clicks
  Authenticate / Fail authentication there (POST /3ds/<token>/complete {"outcome":"pass"|"fail"});
  such requests need return_url.success_url and decline_url. v1 endpoints and the hosted page do no 3-D Secure.

Switches for the gateway's unknowns (GET shows them; reset restores the start values):
  curl -X POST ${sb.url}/__sandbox/config -H 'content-type: application/json' \\
    -d '{"hppTransactionId":"new","threeDsBodyHasTransactionId":false,"webhookDuplicates":2,"webhookDelayMs":1000}'
  hppTransactionId "link"|"new"       HPP sale id = link id (default) or a fresh uuid (status/<link id> → 404)
  threeDsBodyHasTransactionId bool    3-D Secure body includes transaction_details (default true)
  webhookDuplicates n                 deliver every webhook n extra times, same body (default 0)
  webhookDelayMs ms                   delay before the first webhook delivery (default 0)

Fault injection (next refund times out after committing):
  curl -X POST ${sb.url}/__sandbox/faults -H 'content-type: application/json' \\
    -d '{"op":"refund","fault":"timeout_after","delayMs":30000}'
Inspect: curl ${sb.url}/__sandbox/transactions   Reset: curl -X POST ${sb.url}/__sandbox/reset
`)

  const stop = (signal: string): void => {
    console.log(`\n${signal} received, stopping sandbox`)
    sb.close().then(() => process.exit(0))
  }
  process.once("SIGINT", () => stop("SIGINT"))
  process.once("SIGTERM", () => stop("SIGTERM"))
}

main().catch((e: unknown) => {
  console.error(`paymentoptions-sandbox: ${e instanceof Error ? e.message : String(e)}`)
  process.exit(1)
})
