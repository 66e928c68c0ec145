// `npm run sandbox`: run the sandbox gateway in the foreground for manual testing.
import { DECLINE_CARDS, DEFAULT_TEST_CARD, THREE_DS_CARD, startSandbox } from "./index"

async function main(): Promise<void> {
  const port = process.env.PORT ? Number(process.env.PORT) : 4010
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Invalid PORT: ${process.env.PORT}`)
  const sb = await startSandbox({ port, host: "127.0.0.1", quiet: process.env.SANDBOX_QUIET === "1" })
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
  console.error(e)
  process.exit(1)
})
