/**
 * refundPayment against the bundled sandbox versus a bare axios POST of the same body to the same
 * endpoint, interleaved in one run; then concurrent refunds on distinct payments. The sandbox runs in
 * its own process, as a gateway would, so the client side's work is what the ratio compares.
 *
 *   npm run bench              (REFUNDS=3000 WARMUP=1000 CONCURRENT=200 by default)
 *
 * Prints medians, the ratio and the counts; it asserts nothing about time (a benchmark, not a test).
 * Exits non-zero only on errors or double refunds, which are correctness failures.
 */
import { ChildProcess, spawn } from "node:child_process"
import http from "node:http"
import path from "node:path"
import axios from "axios"
import { DEFAULT_SANDBOX_CREDENTIALS, DEFAULT_TEST_CARD, SandboxTransaction } from "../sandbox"
import PaymentOptionsProviderService from "../src/providers/paymentoptions/service"
import { getFreePort } from "../scripts/postgres"

// 3,000 per side: with 1,000 the ratio of medians moved by ±0.04 between runs on a busy 2-core machine.
const REFUNDS = Number(process.env.REFUNDS ?? 3000)
const CONCURRENT = Number(process.env.CONCURRENT ?? 200)
// The provider runs more JavaScript than a bare POST, so it needs more calls before V8 has optimised it;
// the warm-up ratio is printed too, so the cold-start cost stays visible.
const WARMUP = Number(process.env.WARMUP ?? 1000)

const silent = { warn() {}, info() {}, error() {}, debug() {} } as any

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

/** Starts `sandbox/cli.ts` in a child process and waits until it answers. */
async function startSandboxProcess(): Promise<{ url: string; child: ChildProcess }> {
  const port = await getFreePort()
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "../sandbox/cli.ts")], {
    env: { ...process.env, PORT: String(port), SANDBOX_QUIET: "1" },
    stdio: "ignore",
  })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 200; i++) {
    try {
      await axios.get(`${url}/__sandbox/transactions`, { timeout: 500 })
      return { url, child }
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  child.kill()
  throw new Error("the sandbox did not start")
}

async function main() {
  const { url, child } = await startSandboxProcess()
  const { apiKey, xApiKey, merchantId } = DEFAULT_SANDBOX_CREDENTIALS
  const transactions = async () => (await axios.get<SandboxTransaction[]>(`${url}/__sandbox/transactions`)).data
  const provider = new PaymentOptionsProviderService(
    { logger: silent },
    { apiKey, xApiKey, merchantId, baseUrl: url, timeoutMs: 10_000 }
  )
  const bare = axios.create({
    baseURL: `${url}/api/v1/server-to-server-interface`,
    httpAgent: new http.Agent({ keepAlive: true }),
    headers: { Authorization: `Basic ${apiKey}`, "x-api-key": xApiKey, "Content-Type": "application/json" },
  })

  const pay = async (amount: string, n: number) => {
    const session_id = `payses_bench_${n}`
    const initiated = await provider.initiatePayment({ amount, currency_code: "jpy", data: { session_id } })
    await axios.post(
      `${initiated.data!.redirect_url}/pay`,
      { card_number: DEFAULT_TEST_CARD, card_name: "BENCH", exp_month: "12", exp_year: "30", cvc: "123" },
      { headers: { Accept: "application/json" } }
    )
    const authorized = await provider.authorizePayment({ data: initiated.data })
    if (authorized.status !== "captured") throw new Error(`payment ${n} is ${authorized.status}`)
    return authorized.data as Record<string, any>
  }

  try {
    // One large sale funds every sequential refund of 1 yen; both sides refund the same transaction.
    const funded = await pay(String((REFUNDS + WARMUP) * 2 + 10), 0)
    const providerMs: number[] = []
    const bareMs: number[] = []
    const providerRefund = async (i: number) => {
      const t = process.hrtime.bigint()
      await provider.refundPayment({ data: funded, amount: 1, context: { idempotency_key: `ref_bench_p_${i}` } })
      return Number(process.hrtime.bigint() - t) / 1e6
    }
    const bareRefund = async (i: number) => {
      const t = process.hrtime.bigint()
      const res = await bare.post("/refund", {
        transactionId: funded.transaction_id,
        amount: "1",
        merchant_id: merchantId,
        notes: `Medusa refund ref_bench_b_${i}`,
      })
      if (res.data?.success !== true) throw new Error("bare refund failed")
      return Number(process.hrtime.bigint() - t) / 1e6
    }

    const warmProvider: number[] = []
    const warmBare: number[] = []
    for (let i = 0; i < WARMUP; i++) {
      warmProvider.push(await providerRefund(-i - 1))
      warmBare.push(await bareRefund(-i - 1))
    }
    for (let i = 0; i < REFUNDS; i++) {
      // Alternate which goes first so neither side always gets the warmer connection.
      if (i % 2 === 0) {
        providerMs.push(await providerRefund(i))
        bareMs.push(await bareRefund(i))
      } else {
        bareMs.push(await bareRefund(i))
        providerMs.push(await providerRefund(i))
      }
    }
    const ratio = median(providerMs) / median(bareMs)
    console.log(`sequential refunds: ${REFUNDS} provider + ${REFUNDS} bare, interleaved, after ${WARMUP} warm-up pairs`)
    console.log(`  provider refundPayment  median ${median(providerMs).toFixed(3)} ms  p95 ${percentile(providerMs, 95).toFixed(3)} ms`)
    console.log(`  bare axios POST         median ${median(bareMs).toFixed(3)} ms  p95 ${percentile(bareMs, 95).toFixed(3)} ms`)
    console.log(`  ratio provider/bare (median): ${ratio.toFixed(3)}x  (target <= 1.10x)`)
    if (WARMUP) console.log(`  during the ${WARMUP} warm-up pairs (JIT still optimising): ${(median(warmProvider) / median(warmBare)).toFixed(3)}x`)

    // Concurrency: distinct payments, all refunded at once.
    const payments: Record<string, any>[] = []
    for (let n = 1; n <= CONCURRENT; n++) payments.push(await pay("1000", n))
    const t = process.hrtime.bigint()
    const results = await Promise.allSettled(
      payments.map((data, n) => provider.refundPayment({ data, amount: 400, context: { idempotency_key: `ref_bench_c_${n}` } }))
    )
    const wallMs = Number(process.hrtime.bigint() - t) / 1e6
    const errors = results.filter((r) => r.status === "rejected")
    const recordedOk = results.filter(
      (r, n) => r.status === "fulfilled" && (r.value.data as any).refunds[`ref_bench_c_${n}`]?.status === "succeeded"
    ).length
    let doubles = 0
    const all = await transactions()
    for (const data of payments) {
      const refunds = all.filter((x) => x.type === "REFUND" && x.parentId === data.transaction_id)
      if (refunds.length !== 1 || refunds[0].amount !== "400") doubles++
    }
    console.log(`concurrent refunds: ${CONCURRENT} on distinct payments in ${wallMs.toFixed(0)} ms`)
    console.log(`  succeeded and recorded: ${recordedOk}, errors: ${errors.length}, payments with other than exactly one 400 JPY refund: ${doubles}`)
    if (errors.length) console.log(`  first error: ${(errors[0] as PromiseRejectedResult).reason?.message}`)
    process.exitCode = errors.length || doubles ? 1 : 0
  } finally {
    child.kill("SIGTERM")
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
