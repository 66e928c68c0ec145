/**
 * What `refundPayment` costs on top of the HTTP call it makes, measured against the bundled sandbox gateway.
 *
 *   npm run bench
 *   REFUNDS=3000 WARMUP=1000 CONCURRENT=200 LEDGERS=0,10,100,1000 PG_REFUNDS=300 npm run bench   (the defaults)
 *   PG_BENCH=0 npm run bench                 (skip the PostgreSQL section; PG_URL=postgres://user:pass@host:port)
 *   PROFILE=refund.cpuprofile npm run bench  (a V8 CPU profile of the measured rounds; bench/profile-summary.ts)
 *
 * - The sandbox runs in its own process (a gateway is another process) with every webhook switch off, and the
 *   captured payments are made without a webhook URL: it sends no webhook during the run (checked at the end).
 * - The provider is made as Medusa's payment module makes it: a singleton from the module container's cradle (where
 *   an unknown key throws) with its options; it finds its id and the plugin's store through the plugin's directory,
 *   filled here as the provider's loader and the plugin module fill it at boot. The amount is passed as Medusa
 *   passes it, the refund's raw_amount ({ value, precision }).
 * - Baseline: a bare POST /refund with the same body shape through `createGatewayHttp(options)`, the very axios
 *   factory the provider's client uses, with the same resolved options (keep-alive agent, timeout, headers,
 *   maxRedirects 0, validateStatus), called as the client calls it (`request`). It parses and records nothing: the
 *   network floor.
 * - Interleaved in one run: every round makes one provider refund and one bare POST per ledger size, on the same
 *   captured transaction, alternating which goes first; so machine load and JIT state hit both sides alike.
 * - Ledger sizes: the refunded payment already has N succeeded refunds, pre-loaded into the store (through its
 *   interface) and into `payment.data.refunds` / `refunded_amount` as Medusa would hold them; after each refund the
 *   bench merges the returned data as Medusa does (untimed) and checks the returned `refunded_amount`.
 * - The provider uses the in-memory store of the provider tests (integration-tests/helpers/memory-store.ts). What the
 *   plugin module's real store adds on PostgreSQL is measured separately, at the end (a scratch database).
 * - 200 concurrent refunds on distinct payments: 0 errors and, from the sandbox's request log and transactions,
 *   exactly one refund request and one refund per payment.
 *
 * Prints; asserts nothing about time (a benchmark, not a test). Exits non-zero only on correctness failures
 * (errors, double refunds, a wrong refunded_amount, a webhook sent). docs/benchmark.md has the method and results.
 */
import { randomUUID } from "node:crypto"
import fs from "node:fs"
import inspector from "node:inspector"
import axios, { AxiosInstance } from "axios"
import { DEFAULT_SANDBOX_CREDENTIALS, DEFAULT_TEST_CARD, SandboxTransaction } from "../sandbox"
import type { RecordedRequest, WebhookDelivery } from "../sandbox"
import { asFunction, asValue } from "@medusajs/framework/awilix"
import { createMedusaContainer } from "@medusajs/framework/utils"
import { MemoryStore } from "../integration-tests/helpers/memory-store"
import { registerProvider, registerStore } from "../src/modules/paymentoptions/directory"
import type { PaymentOptionsStore } from "../src/modules/paymentoptions/types"
import { createGatewayHttp } from "../src/providers/paymentoptions/client"
import { PaymentOptionsOptions, resolveOptions } from "../src/providers/paymentoptions/options"
import { refundRecordOf, RefundRecord } from "../src/providers/paymentoptions/payment-data"
import PaymentOptionsProviderService from "../src/providers/paymentoptions/service"
import { inBatches, loadSampler, machineInfo, median, ms, percentile, since, startSandboxProcess } from "./common"
import { startPgStore } from "./pg-store"

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
// 3,000 a side: with 1,000 the ratio of medians moved by ±0.04 between runs on a busy 2-core machine.
const REFUNDS = env("REFUNDS", 3000)
// The provider runs more JavaScript than a bare POST, so it needs more calls before V8 has optimised it.
const WARMUP = env("WARMUP", 1000)
const CONCURRENT = env("CONCURRENT", 200)
const LEDGERS = (process.env.LEDGERS ?? "0,10,100,1000").split(",").map(Number)
/** At most this many pre-loaded refunds per ledger size: bounds memory; a payment then takes several refunds. */
const LEDGER_RECORDS = env("LEDGER_RECORDS", 100_000)
// Each PostgreSQL refund takes tens of milliseconds: 300 keep the section to a couple of minutes.
const PG_REFUNDS = env("PG_REFUNDS", 300)
const PG_URL = process.env.PG_URL ?? "postgres://postgres:postgres@localhost:5432"

const PROVIDER_ID = "pp_paymentoptions_bench"
/** The amount as Medusa's payment module passes it to refundPayment: the refund's raw_amount. */
const rawAmount = (value: number) => ({ value: String(value), precision: 20 })
const silent = { warn() {}, info() {}, error() {}, debug() {} } as any
type Data = Record<string, any>

const x = (v: number) => `${v.toFixed(3)}x`
const pad = (s: string | number, n: number) => String(s).padStart(n)

async function main() {
  console.log("refundPayment benchmark")
  for (const line of machineInfo()) console.log(`  ${line}`)
  const load = loadSampler()
  const failures: string[] = []

  const { url, child } = await startSandboxProcess()
  try {
    // Belt and braces: follow-up webhooks off; the payments below are made without a webhook URL.
    await axios.post(`${url}/__sandbox/config`, { refundWebhooks: false, captureWebhooks: false, voidWebhooks: false, webhookDuplicates: 0 })
    const { apiKey, xApiKey, merchantId } = DEFAULT_SANDBOX_CREDENTIALS
    const options = { apiKey, xApiKey, merchantId, baseUrl: url, timeoutMs: 10_000 }
    const resolved = resolveOptions(options)
    const memory = new MemoryStore()
    const provider = medusaProvider(options, memory)
    // The baseline: the provider's own axios factory and options (src/providers/paymentoptions/client.ts).
    const bare = createGatewayHttp(resolved)
    // Setup traffic (payments, control calls) goes through its own instance, so it warms neither side's connections.
    const setupHttp = createGatewayHttp(resolved)
    console.log(`  sandbox: its own process at ${url}; webhook switches off; payments made without a webhook URL`)
    console.log(`  provider store: the in-memory store (integration-tests/helpers/memory-store.ts); PostgreSQL store measured separately below`)

    let sessions = 0
    /**
     * A captured payment as Medusa holds it: a paymentv2 sale without a webhook URL (so the sandbox has nowhere to
     * send a webhook), then the provider's authorizePayment reads it from Transaction Status like a paid hosted
     * page whose sale id is its link id (the sandbox's default) and returns Medusa's payment data.
     */
    const capturedPayment = async (amount: number, p = provider): Promise<Data> => {
      const session_id = `payses_bench_${process.pid}_${(++sessions).toString(36)}`
      const sale = await setupHttp.post("/paymentv2", {
        amount: String(amount),
        currency: "JPY",
        merchant_id: merchantId,
        merchant_txn_ref: session_id,
        time_zone: "Asia/Tokyo",
        customer_ip: "127.0.0.1",
        card: { number: DEFAULT_TEST_CARD, cvc: "123", expiry_month: "12", expiry_year: "30", name: "BENCH" },
        payment_method: { type: "scheme", store_payment_method: false },
      })
      const saleId = sale.data?.transaction_details?.id
      if (sale.data?.success !== true || !saleId) throw new Error(`sale failed: ${JSON.stringify(sale.data)}`)
      const data = { session_id, checkout: "hpp", hpp_link_id: saleId, currency_code: "jpy", amount: String(amount), merchant_txn_ref: session_id }
      const authorized = await p.authorizePayment({ data } as any)
      if (authorized.status !== "captured") throw new Error(`payment ${session_id} is ${authorized.status}`)
      return authorized.data as Data
    }

    /** N succeeded refunds already on the payment: in the store (through its interface) and in payment.data. */
    const withPriorRefunds = async (data: Data, n: number): Promise<Data> => {
      const refunds: Record<string, RefundRecord> = {}
      for (let j = 0; j < n; j++) {
        const refundId = `ref_prior_${data.session_id}_${j}`
        const { operation } = await memory.beginOperation({
          key: `refund:${refundId}`,
          kind: "refund",
          provider_id: PROVIDER_ID,
          session_id: data.session_id,
          medusa_id: refundId,
          parent_transaction_id: data.transaction_id,
          amount: "1",
          currency_code: "jpy",
        })
        const done = await memory.updateOperation(operation.id, {
          status: "succeeded",
          transaction_id: randomUUID(),
          transaction_ref: String(200000 + j),
          code: "INFO-000",
          message: "Refund processed",
          response_code: 0,
          settled_at: new Date().toISOString(),
        })
        refunds[refundId] = refundRecordOf(done)
      }
      return { ...data, refunds, refunded_amount: String(n) }
    }

    // ------------------------------------------------------------------ setup
    const setupStart = process.hrtime.bigint()
    const pools = [] as { size: number; payments: Data[]; perPayment: number; provider: number[]; bare: number[] }[]
    for (const size of LEDGERS) {
      const count = size === 0 ? REFUNDS : Math.min(REFUNDS, Math.max(1, Math.floor(LEDGER_RECORDS / size)))
      const perPayment = Math.ceil(REFUNDS / count)
      const payments = await inBatches(Array.from({ length: count }), 8, async () =>
        withPriorRefunds(await capturedPayment(size + 2 * perPayment + 10), size)
      )
      pools.push({ size, payments, perPayment, provider: [], bare: [] })
    }
    // Warm-up refunds go to payments of their own (ledgers growing to WARMUP / 10), never to the measured ones.
    const warmPayments = await inBatches(Array.from({ length: 10 }), 8, () => capturedPayment(2 * WARMUP + 10))
    const concurrentPayments = await inBatches(Array.from({ length: CONCURRENT }), 8, () => capturedPayment(1000))
    console.log(`  setup: ${pools.reduce((n, p) => n + p.payments.length, 0) + 10 + CONCURRENT} captured payments in ${(since(setupStart) / 1000).toFixed(1)} s`)

    // ------------------------------------------------------------------ measured calls
    let bareSeq = 0
    const providerRefund = async (data: Data, refundId: string): Promise<number> => {
      const t = process.hrtime.bigint()
      const out = await provider.refundPayment({ data, amount: rawAmount(1), context: { idempotency_key: refundId } } as any)
      const elapsed = since(t)
      // Untimed: the answer must be right, and Medusa merges it into payment.data before the next refund.
      const returned = out.data as Data
      const want = String(Number(data.refunded_amount ?? 0) + 1)
      if (returned.refunded_amount !== want || returned.refunds?.[refundId]?.status !== "succeeded") {
        throw new Error(`refund ${refundId}: refunded_amount ${returned.refunded_amount} (expected ${want}), status ${returned.refunds?.[refundId]?.status}`)
      }
      data.refunds = Object.assign(data.refunds ?? {}, returned.refunds)
      data.refunded_amount = returned.refunded_amount
      return elapsed
    }
    const bareRefund = async (http: AxiosInstance, data: Data): Promise<number> => {
      const t = process.hrtime.bigint()
      // Called the way the provider's client calls axios (request with a config, not .post(), which merges configs
      // once more and so would make the baseline slower than the provider's own request).
      const res = await http.request({
        method: "post",
        url: "/refund",
        data: {
          transactionId: data.transaction_id,
          amount: "1",
          merchant_id: merchantId,
          notes: `Medusa refund ref_bare_${(++bareSeq).toString().padStart(6, "0")}`,
        },
      })
      const elapsed = since(t)
      if (res.data?.success !== true) throw new Error(`bare refund failed: ${res.status} ${JSON.stringify(res.data)}`)
      return elapsed
    }

    const warmProvider: number[] = []
    const warmBare: number[] = []
    for (let i = 0; i < WARMUP; i++) {
      const data = warmPayments[i % warmPayments.length]
      warmProvider.push(await providerRefund(data, `ref_warm_${i}`))
      warmBare.push(await bareRefund(bare, data))
    }

    // PROFILE=<file>: a V8 CPU profile of the measured rounds only (summarise it with bench/profile-summary.ts).
    const profiler = process.env.PROFILE ? await startProfiler() : undefined
    const runStart = process.hrtime.bigint()
    for (let i = 0; i < REFUNDS; i++) {
      for (let k = 0; k < pools.length; k++) {
        const pool = pools[(i + k) % pools.length]
        const data = pool.payments[i % pool.payments.length]
        const refundId = `ref_bench_${pool.size}_${i}`
        if (i % 2 === 0) {
          pool.provider.push(await providerRefund(data, refundId))
          pool.bare.push(await bareRefund(bare, data))
        } else {
          pool.bare.push(await bareRefund(bare, data))
          pool.provider.push(await providerRefund(data, refundId))
        }
      }
    }
    const runSeconds = since(runStart) / 1000
    if (profiler) await profiler.stop(process.env.PROFILE!)

    console.log("")
    console.log(`sequential refunds: ${REFUNDS} provider + ${REFUNDS} bare per ledger size, all sizes interleaved round by round, after ${WARMUP} warm-up pairs (${runSeconds.toFixed(1)} s)`)
    console.log(
      `  ${"prior refunds".padEnd(14)}${pad("payments", 9)}${pad("provider med", 14)}${pad("p95", 10)}${pad("bare med", 11)}${pad("p95", 10)}${pad("ratio med", 11)}${pad("ratio p95", 11)}${pad("vs empty", 10)}`
    )
    const empty = pools.find((p) => p.size === 0)
    for (const pool of pools) {
      const range = pool.perPayment > 1 ? `${pool.size}-${pool.size + pool.perPayment - 1}` : `${pool.size}`
      console.log(
        `  ${range.padEnd(14)}${pad(pool.payments.length, 9)}${pad(ms(median(pool.provider)), 14)}${pad(percentile(pool.provider, 95).toFixed(3), 10)}` +
          `${pad(ms(median(pool.bare)), 11)}${pad(percentile(pool.bare, 95).toFixed(3), 10)}` +
          `${pad(x(median(pool.provider) / median(pool.bare)), 11)}${pad(x(percentile(pool.provider, 95) / percentile(pool.bare, 95)), 11)}` +
          `${pad(empty ? x(median(pool.provider) / median(empty.provider)) : "-", 10)}`
      )
    }
    console.log("  ratio = provider / bare; vs empty = provider median / provider median with no prior refunds")
    const largest = pools.reduce((a, b) => (b.size > a.size ? b : a))
    if (empty) {
      console.log(`  targets: empty ledger ratio (median) <= 1.030x: ${x(median(empty.provider) / median(empty.bare))}; ` +
        `${largest.size}-refund ledger vs empty (median) <= 1.2x: ${x(median(largest.provider) / median(empty.provider))}`)
    }
    if (WARMUP) console.log(`  during the ${WARMUP} warm-up pairs (JIT still optimising): ratio ${x(median(warmProvider) / median(warmBare))}`)

    // ------------------------------------------------------------------ concurrency
    const t = process.hrtime.bigint()
    const results = await Promise.allSettled(
      concurrentPayments.map((data, n) => provider.refundPayment({ data, amount: rawAmount(400), context: { idempotency_key: `ref_bench_c_${n}` } } as any))
    )
    const wallMs = since(t)
    const errors = results.filter((r): r is PromiseRejectedResult => r.status === "rejected")
    const recorded = results.filter(
      (r, n) => r.status === "fulfilled" && (r.value.data as Data).refunds?.[`ref_bench_c_${n}`]?.status === "succeeded" && (r.value.data as Data).refunded_amount === "400"
    ).length
    const requests = (await setupHttp.get<RecordedRequest[]>(`${url}/__sandbox/requests`, { baseURL: "" })).data
    const transactions = (await setupHttp.get<SandboxTransaction[]>(`${url}/__sandbox/transactions`, { baseURL: "" })).data
    const sent = new Map<string, number>()
    for (const r of requests) {
      const id = (r.body as Data)?.transactionId
      if (r.method === "POST" && r.path.endsWith("/refund") && typeof id === "string") sent.set(id, (sent.get(id) ?? 0) + 1)
    }
    let doubles = 0
    for (const data of concurrentPayments) {
      const refunds = transactions.filter((tx) => tx.type === "REFUND" && tx.parentId === data.transaction_id)
      if (sent.get(data.transaction_id) !== 1 || refunds.length !== 1 || refunds[0].amount !== "400") doubles++
    }
    console.log("")
    console.log(`concurrent refunds: ${CONCURRENT} at once on distinct payments (400 JPY each) in ${wallMs.toFixed(0)} ms`)
    console.log(`  succeeded and recorded: ${recorded}, errors: ${errors.length}, ` +
      `payments without exactly one refund request and one 400 JPY refund at the sandbox: ${doubles}`)
    if (errors.length) console.log(`  first error: ${errors[0].reason?.message}`)
    if (errors.length || doubles || recorded !== CONCURRENT) failures.push("concurrent refunds")

    const webhooks = (await setupHttp.get<WebhookDelivery[]>(`${url}/__sandbox/webhooks`, { baseURL: "" })).data
    console.log(`webhooks the sandbox sent during the run: ${webhooks.length}`)
    if (webhooks.length) failures.push("webhooks were sent")

    // ------------------------------------------------------------------ PostgreSQL store
    if (process.env.PG_BENCH !== "0") await postgresSection(options, capturedPayment, bare, bareRefund, failures)
  } finally {
    child.kill("SIGTERM")
  }
  console.log("")
  console.log(load.stop())
  if (failures.length) console.log(`FAILED: ${failures.join(", ")}`)
  process.exitCode = failures.length ? 1 : 0
}

/**
 * The provider as Medusa's payment module makes it: a singleton built from the module container's cradle (where an
 * unknown key throws) and its options; it finds its id and the plugin's store through the directory that the
 * provider's loader and the plugin module fill at boot (done here by hand: registerProvider, registerStore).
 */
function medusaProvider(options: PaymentOptionsOptions, store?: PaymentOptionsStore): PaymentOptionsProviderService {
  const key = `provider_${++providers}`
  const container = createMedusaContainer()
  container.register({
    logger: asValue(silent),
    [key]: asFunction((cradle) => new PaymentOptionsProviderService(cradle, options)).singleton(),
  })
  registerProvider(PROVIDER_ID, options as Record<string, unknown>)
  if (store) registerStore(store)
  return container.resolve<PaymentOptionsProviderService>(key)
}
let providers = 0

/**
 * What the plugin module's real store adds per refund: its service on a scratch PostgreSQL database, booted through
 * Medusa's module loader. (a) the four store calls of one refund, alone; (b) refundPayment with that store vs the
 * bare POST, interleaved.
 */
async function postgresSection(
  options: PaymentOptionsOptions,
  capturedPayment: (amount: number, p?: PaymentOptionsProviderService) => Promise<Data>,
  bare: AxiosInstance,
  bareRefund: (http: AxiosInstance, data: Data) => Promise<number>,
  failures: string[]
) {
  console.log("")
  let pg: Awaited<ReturnType<typeof startPgStore>>
  try {
    pg = await startPgStore(PG_URL)
  } catch (error) {
    console.log(`PostgreSQL store: skipped (${(error as Error).message}); set PG_URL, or PG_BENCH=0 to silence`)
    return
  }
  try {
    const store = pg.service
    console.log(`PostgreSQL store: the plugin module's service (src/modules/paymentoptions) on ${PG_URL.replace(/\/\/[^@]*@/, "//")}, scratch database ${pg.database} (migrated, dropped after)`)

    // (a) the store calls of one refund, as refundTransaction makes them.
    const WITH_LEDGER = 1000
    const LEDGER_TXS = 50
    const ledgerTxs = Array.from({ length: LEDGER_TXS }, (_, i) => `tx_pg_ledger_${i}_${randomUUID()}`)
    for (const tx of ledgerTxs) {
      await store.createOperations(
        Array.from({ length: WITH_LEDGER }, (_, j) => ({
          key: `refund:ref_pg_prior_${tx}_${j}`,
          kind: "refund",
          status: "succeeded",
          provider_id: PROVIDER_ID,
          session_id: `payses_${tx}`,
          medusa_id: `ref_pg_prior_${tx}_${j}`,
          parent_transaction_id: tx,
          transaction_id: randomUUID(),
          amount: "1",
          currency_code: "jpy",
          settled_at: new Date(),
        })) as any
      )
    }
    const calls = ["findOperation", "refundTotals", "beginOperation", "updateOperation", "operationsWhere"] as const
    const timings = { 0: { total: [] as number[], each: calls.map(() => [] as number[]) }, [WITH_LEDGER]: { total: [] as number[], each: calls.map(() => [] as number[]) } }
    const oneRefund = async (tx: string, refundId: string, into: { total: number[]; each: number[][] }) => {
      const key = `refund:${refundId}`
      const lap: number[] = []
      let t = process.hrtime.bigint()
      const start = t
      const mark = () => {
        const now = process.hrtime.bigint()
        lap.push(Number(now - t) / 1e6)
        t = now
      }
      if (await store.findOperation(key)) throw new Error("unexpected replay")
      mark()
      await store.refundTotals(tx)
      mark()
      const { operation } = await store.beginOperation({
        key, kind: "refund", provider_id: PROVIDER_ID, session_id: `payses_${tx}`, medusa_id: refundId, parent_transaction_id: tx, amount: "1", currency_code: "jpy",
      })
      mark()
      await store.updateOperation(operation.id, {
        status: "succeeded", transaction_id: randomUUID(), transaction_ref: "300000", code: "INFO-000", message: "Refund processed", response_code: 0,
        settled_at: new Date().toISOString(),
      })
      mark()
      // The stale-ledger check reads every refund of the transaction.
      await store.operationsWhere({ parent_transaction_id: tx, kind: ["refund"] })
      mark()
      into.total.push(Number(process.hrtime.bigint() - start) / 1e6)
      lap.forEach((v, i) => into.each[i].push(v))
    }
    for (let i = 0; i < 200; i++) await oneRefund(`tx_pg_warm_${i}`, `ref_pg_warm_${i}_${randomUUID()}`, { total: [], each: calls.map(() => []) })
    for (let i = 0; i < PG_REFUNDS; i++) {
      const a = async () => oneRefund(`tx_pg_empty_${i}_${randomUUID()}`, `ref_pg_e_${i}_${randomUUID()}`, timings[0])
      const b = async () => oneRefund(ledgerTxs[i % LEDGER_TXS], `ref_pg_l_${i}_${randomUUID()}`, timings[WITH_LEDGER])
      if (i % 2 === 0) {
        await a()
        await b()
      } else {
        await b()
        await a()
      }
    }
    console.log(`  (a) the store calls of one refund, alone: ${PG_REFUNDS} each, interleaved (median / p95, ms)`)
    for (const [size, label] of [[0, "0 prior refunds"], [WITH_LEDGER, `${WITH_LEDGER}-${WITH_LEDGER + Math.ceil(PG_REFUNDS / LEDGER_TXS) - 1} prior refunds`]] as const) {
      const r = timings[size]
      const parts = calls.map((c, i) => `${c} ${median(r.each[i]).toFixed(3)}`).join(", ")
      console.log(`      ${label.padEnd(26)} total ${median(r.total).toFixed(3)} / ${percentile(r.total, 95).toFixed(3)}   (${parts})`)
    }

    // (b) refundPayment with this store vs the bare POST.
    // The module registered itself in the plugin's directory when it booted, as in Medusa.
    const provider = medusaProvider(options)
    const PER_PAYMENT = 5
    const payments = await inBatches(Array.from({ length: Math.ceil(PG_REFUNDS / PER_PAYMENT) }), 8, () =>
      capturedPayment(2 * PER_PAYMENT + 10, provider)
    )
    const withStore: number[] = []
    const bareMs: number[] = []
    const refund = async (data: Data, id: string) => {
      const t = process.hrtime.bigint()
      const out = await provider.refundPayment({ data, amount: rawAmount(1), context: { idempotency_key: id } } as any)
      const elapsed = since(t)
      const want = String(Number(data.refunded_amount ?? 0) + 1)
      if ((out.data as Data).refunded_amount !== want) throw new Error(`PostgreSQL store: refunded_amount ${(out.data as Data).refunded_amount}, expected ${want}`)
      data.refunded_amount = want
      data.refunds = Object.assign(data.refunds ?? {}, (out.data as Data).refunds)
      return elapsed
    }
    for (let i = 0; i < 200; i++) {
      await refund(payments[i % payments.length], `ref_pg_warm_provider_${i}`)
      await bareRefund(bare, payments[i % payments.length])
    }
    // The warm-up refunds stay on the warm-up payments' ledgers; measured refunds start on fresh payments.
    const measured = await inBatches(Array.from({ length: Math.ceil(PG_REFUNDS / PER_PAYMENT) }), 8, () =>
      capturedPayment(2 * PER_PAYMENT + 10, provider)
    )
    for (let i = 0; i < PG_REFUNDS; i++) {
      const data = measured[i % measured.length]
      if (i % 2 === 0) {
        withStore.push(await refund(data, `ref_pg_provider_${i}`))
        bareMs.push(await bareRefund(bare, data))
      } else {
        bareMs.push(await bareRefund(bare, data))
        withStore.push(await refund(data, `ref_pg_provider_${i}`))
      }
    }
    console.log(`  (b) refundPayment with the PostgreSQL store vs the bare POST: ${PG_REFUNDS} each, interleaved, 0-${PER_PAYMENT - 1} prior refunds`)
    console.log(`      provider median ${ms(median(withStore))} p95 ${ms(percentile(withStore, 95))}; bare median ${ms(median(bareMs))} p95 ${ms(percentile(bareMs, 95))}`)
    console.log(`      ratio ${x(median(withStore) / median(bareMs))} (median), ${x(percentile(withStore, 95) / percentile(bareMs, 95))} (p95); ` +
      `the store adds ${ms(median(withStore) - median(bareMs))} per refund (median difference)`)
  } catch (error) {
    console.log(`  PostgreSQL section failed: ${(error as Error).stack}`)
    failures.push("PostgreSQL section")
  } finally {
    await pg.stop()
  }
}

/** The V8 CPU profiler through the inspector, for a window of the run (node --cpu-prof profiles the whole process). */
async function startProfiler() {
  const session = new inspector.Session()
  session.connect()
  const post = (method: string) =>
    new Promise<any>((resolve, reject) => session.post(method, (error, result) => (error ? reject(error) : resolve(result))))
  await post("Profiler.enable")
  await post("Profiler.start")
  return {
    async stop(file: string) {
      const { profile } = await post("Profiler.stop")
      fs.writeFileSync(file, JSON.stringify(profile))
      session.disconnect()
    },
  }
}

main()
  // Medusa's module loader leaves timers and pools behind: exit once everything is printed.
  .then(() => process.exit(process.exitCode ?? 0))
  .catch((error) => {
    console.error(error)
    process.exit(1)
  })
