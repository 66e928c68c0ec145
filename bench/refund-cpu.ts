/**
 * Dev tool: the provider's own CPU per refundPayment, with the HTTP call replaced by a canned gateway answer (the
 * sandbox's refund answer), so nothing but the provider's JavaScript and the in-memory store are timed.
 *
 *   npx ts-node --transpile-only bench/refund-cpu.ts                  (N=20000 refunds per ledger size, LEDGERS=0,1000)
 *   PROFILE=cpu.cpuprofile npx ts-node --transpile-only bench/refund-cpu.ts   (V8 CPU profile of the measured round)
 *   npx ts-node --transpile-only bench/profile-summary.ts cpu.cpuprofile
 *
 * A hot loop: numbers are lower than inside `npm run bench`, where every refund also runs the HTTP stack.
 */
import { randomUUID } from "node:crypto"
import fs from "node:fs"
import inspector from "node:inspector"
import { DEFAULT_SANDBOX_CREDENTIALS } from "../sandbox"
import PaymentOptionsProviderService from "../src/providers/paymentoptions/service"
import { refundRecordOf } from "../src/providers/paymentoptions/payment-data"
import { MemoryStore } from "../integration-tests/helpers/memory-store"
import { median, percentile } from "./common"

const N = Number(process.env.N ?? 20000)
/** As Medusa passes it: the refund's raw_amount. */
const rawAmount = (value: number) => ({ value: String(value), precision: 20 })
const LEDGERS = (process.env.LEDGERS ?? "0,1000").split(",").map(Number)

async function main() {
  const { apiKey, xApiKey, merchantId } = DEFAULT_SANDBOX_CREDENTIALS
  const store = new MemoryStore()
  const provider = new PaymentOptionsProviderService(
    { logger: console, paymentOptionsStore: store, paymentOptionsProviderId: "pp_paymentoptions_bench" } as any,
    { apiKey, xApiKey, merchantId, baseUrl: "http://127.0.0.1:9", timeoutMs: 10_000 }
  )
  let ref = 500000
  // What the sandbox answers to POST /refund (201), with a fresh id each time.
  const answer = () => ({
    status: 201,
    statusText: "Created",
    headers: {},
    config: {},
    data: {
      success: true,
      status_code: 201,
      is_live: false,
      transaction_type: "REFUND",
      gateway_response: { version: "1.0", type: "RESPONSE", message: "Transaction processed successfully", code: "INFO-0000" },
      merchant_details: { legal_name: "Sandbox Merchant", mid: merchantId, merchant_txn_ref: "payses_x" },
      payment_details: { amount: 1, response_code: 0, auth_code: "123456", currency: "JPY", payment_method: "ECMC-SSL", scheme: "VISA",
        card: { name: "BENCH", number: "4111111111111111", exp_month: "12", exp_year: "30" }, additional_data: { payment_data_source: { type: "card" } } },
      transaction_details: { id: randomUUID(), ref: ++ref, timestamp: new Date().toISOString(), merchant_txn_ref: "payses_x" },
    },
  })
  ;(provider as any).client_.http = { request: async () => answer() }

  const pools = [] as { size: number; datas: any[]; times: number[] }[]
  let pid = 0
  for (const size of LEDGERS) {
    const count = size === 0 ? 2 * N : Math.min(2 * N, Math.max(1, Math.floor(100_000 / size)))
    const datas = []
    for (let k = 0; k < count; k++) {
      const transaction_id = randomUUID()
      const session = `payses_cpu_${++pid}`
      const data = { session_id: session, checkout: "hpp", currency_code: "jpy", amount: String(size + N * 2 + 10), merchant_txn_ref: session, transaction_id, refunds: {} as any, refunded_amount: String(size) }
      for (let j = 0; j < size; j++) {
        const id = `ref_prior_${pid}_${j}`
        const { operation } = await store.beginOperation({ key: `refund:${id}`, kind: "refund", provider_id: "pp_paymentoptions_bench", session_id: session, medusa_id: id, parent_transaction_id: transaction_id, amount: "1", currency_code: "jpy" })
        const done = await store.updateOperation(operation.id, { status: "succeeded", transaction_id: randomUUID(), transaction_ref: String(j), code: "INFO-0000", message: "ok", response_code: 0, settled_at: new Date().toISOString() })
        data.refunds[id] = refundRecordOf(done)
      }
      datas.push(data)
    }
    pools.push({ size, datas, times: [] })
  }
  let n = 0
  const session = process.env.PROFILE ? new inspector.Session() : undefined
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) => session!.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))))
  for (let round = 0; round < 2; round++) {
    if (round === 1 && session) {
      session.connect()
      await post("Profiler.enable")
      await post("Profiler.start")
    }
    for (const p of pools) p.times = []
    for (let i = 0; i < N; i++) {
      for (const p of pools) {
        const data = p.datas[n % p.datas.length]
        const id = `ref_cpu_${round}_${p.size}_${i}`
          const t = process.hrtime.bigint()
        const out = await provider.refundPayment({ data, amount: rawAmount(1), context: { idempotency_key: id } } as any)
        p.times.push(Number(process.hrtime.bigint() - t) / 1000)
        Object.assign(data.refunds, (out.data as any).refunds)
        data.refunded_amount = (out.data as any).refunded_amount
      }
      n++
    }
    if (round === 1 && session) {
      const { profile } = await post("Profiler.stop")
      fs.writeFileSync(process.env.PROFILE!, JSON.stringify(profile))
    }
    if (round === 1) {
      for (const p of pools) console.log(`ledger ${p.size} (${p.datas.length} payments): median ${median(p.times).toFixed(1)} µs  p95 ${percentile(p.times, 95).toFixed(1)} µs`)
    }
  }
}
main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1) })
