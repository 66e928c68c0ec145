/**
 * Issue 8 on the production topology: real `medusa start` processes on one PostgreSQL database and one Redis
 * (Redis event bus, locking provider and workflow engine), the bundled sandbox as the gateway (through a proxy that
 * can hold an answer). Four processes, as a store behind a load balancer runs them:
 *   0, 1 "server"  HTTP only (the admin's requests; the gateway's webhooks go to 0)
 *   2, 3 "worker"  subscribers and scheduled jobs: the settle job every 2 s (PAYMENTOPTIONS_SETTLE_CRON in their env)
 * In 2.21.2 the Redis workflow engine keeps one schedule per job name in Redis, registered by every process that
 * loads jobs (the last registration replaces the earlier, so both workers get the same schedule), and each tick runs
 * in whichever worker takes it. Events are taken by either worker.
 *
 * The tests run in order and share the processes (boots are the expensive part). Crashes are real: SIGKILL of the
 * process group while the gateway holds the answer of a refund it committed, then a restart.
 */
import { Redis } from "ioredis"
import { Queue } from "bullmq"
import { disagreements as books, gatewayRefunds } from "../helpers/books"
import { GatewayProxy, startGatewayProxy } from "../helpers/gateway-proxy"
import { fulfillOrder, orderItems, receiveReturn, returnAndReceive, setupFulfillment, waitFor } from "../helpers/returns-flow"
import { AuthHeaders, checkoutWithHostedPage, getOrderPayment, getPayment, refund, seedStore } from "../helpers/store-flow"
import { useTopology } from "./harness"

jest.setTimeout(300_000)

const SERVER = 0
const SERVER2 = 1
const WORKER = 2
const WORKER2 = 3
/** The reconciliation lists an in-progress return refund as stuck once it is older than the lock TTL (120 s). */
const STUCK_AFTER_MS = 120_000

let proxy: GatewayProxy
beforeAll(async () => {
  // Started before the topology (registered first); it reaches the sandbox the topology starts.
  proxy = await startGatewayProxy(() => topo.sandbox.url)
})
afterAll(() => proxy?.close())

const topo = useTopology({
  processes: ["server", "server", "worker", "worker"],
  env: {
    get PO_BASE_URL() {
      return proxy.url
    },
    PO_AUTO_REFUND_ON_RETURN: "1",
    PO_REFUND_SETTLE_MS: "300",
    // Long enough for a test to kill the process while the gateway holds an answer.
    PO_TIMEOUT_MS: "15000",
    PAYMENTOPTIONS_SETTLE_CRON: "*/2 * * * * *",
  },
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const noThrow = { validateStatus: () => true }
const refundPosts = (transactionId: string) =>
  topo.sandbox.requests().filter((r) => r.method === "POST" && r.path.endsWith("/refund") && (r.body as any)?.transactionId === transactionId)
/** The locking module's keys in Redis with their owner and remaining TTL (what a killed process left behind). */
async function redisLocks(): Promise<string> {
  const keys = await topo.redis.keys("medusa_lock:*")
  const described = await Promise.all(keys.map(async (k) => `${k.slice("medusa_lock:".length)}=${await topo.redis.get(k)} (${await topo.redis.ttl(k)} s)`))
  return described.sort().join(", ") || "none"
}
const returnReceivedLines = (i: number, since = 0) => topo.log(i).slice(since).split("\n").filter((l) => /Processing order\.return_received/.test(l))

describe("issue 8 on two servers and two workers (Redis)", () => {
  let admin: AuthHeaders
  let store: Awaited<ReturnType<typeof seedStore>>
  let fulfillment: Awaited<ReturnType<typeof setupFulfillment>>
  const started = Date.now()
  const durations: Record<string, number> = {}
  let t0 = 0

  beforeAll(async () => {
    admin = await topo.admin()
    const api = topo.api(SERVER)
    store = await seedStore(api, admin, { currency_code: "jpy", unit_price: 5000 })
    fulfillment = await setupFulfillment(api, admin, { salesChannelId: store.salesChannelId, countryCode: "jp", currency_code: "jpy" })
  })
  beforeEach(() => {
    topo.sandbox.clearFaults()
    proxy.clear()
    t0 = Date.now()
  })
  afterEach(() => {
    durations[expect.getState().currentTestName ?? "?"] = Date.now() - t0
  })
  afterAll(() => {
    console.log(
      `[topology exactly-once] ${((Date.now() - started) / 1000).toFixed(1)} s of tests:\n` +
        Object.entries(durations)
          .map(([name, ms]) => `  ${(ms / 1000).toFixed(1)} s  ${name}`)
          .join("\n")
    )
  })

  async function paidOrder(quantity = 1, fulfilled = false) {
    const api = topo.api(SERVER)
    // One shopper per order: carts created at once with one email race on Medusa's guest customer.
    const email = `shopper-${Math.random().toString(36).slice(2, 10)}@example.com`
    const { order } = await checkoutWithHostedPage(api, store.storeHeaders, { regionId: store.regionId, variantId: store.variantId, quantity, email })
    if (fulfilled) await fulfillOrder(api, admin, order.id, fulfillment)
    const payment = await getOrderPayment(api, admin, order.id)
    return { order, payment, txn: payment.data.transaction_id as string }
  }

  async function reconciliation() {
    const { data } = await topo.api(SERVER).get("/admin/paymentoptions/reconciliation", admin)
    return data.items as any[]
  }

  async function claimOf(orderId: string, returnId: string) {
    const { data } = await topo.api(SERVER).get(`/admin/paymentoptions/orders/${orderId}`, admin)
    return (data.order.return_refunds as any[]).find((c) => c.return_id === returnId) ?? null
  }

  /** Waits until the sandbox committed a refund of `txn` (the gateway now holds its answer), then SIGKILLs process i. */
  async function killOnceCommitted(txn: string, pick: () => number) {
    const committed = await waitFor(async () => gatewayRefunds(topo.sandbox, txn)[0], 30_000, 25)
    expect(committed).toBeTruthy()
    const i = pick()
    await topo.kill(i, "SIGKILL")
    return { committed, killed: i }
  }

  it("the return auto-refund happens once when order.return_received is delivered again and again, to both workers", async () => {
    const { order, payment, txn } = await paidOrder(2, true)
    const api = topo.api(SERVER)
    const items = await orderItems(api, admin, order.id)
    const marks = [topo.mark(WORKER), topo.mark(WORKER2)]
    // Received in two steps: two deliveries of order.return_received from Medusa itself.
    const returnId = await returnAndReceive(api, admin, {
      orderId: order.id,
      locationId: fulfillment.locationId,
      items: [{ id: items[0].id, quantity: 2 }],
      receive: [{ id: items[0].id, quantity: 1 }],
    })
    await receiveReturn(api, admin, returnId, [{ id: items[0].id, quantity: 1 }])

    // And more deliveries of the same event through the event bus's queue, at once, until both processes took some.
    const connection = new Redis(topo.redisUrl, { maxRetriesPerRequest: null })
    const queue = new Queue("events-queue", { prefix: "RedisEventBusService", connection })
    try {
      for (let round = 0; round < 12; round++) {
        await queue.addBulk(
          Array.from({ length: 4 }, () => ({
            name: "order.return_received",
            data: { data: { order_id: order.id, return_id: returnId }, metadata: { source: "issue-8 duplicate delivery" } },
            opts: { removeOnComplete: true, attempts: 1 },
          }))
        )
        await sleep(1500)
        if (returnReceivedLines(WORKER, marks[0]).length && returnReceivedLines(WORKER2, marks[1]).length) break
      }
    } finally {
      await queue.close()
      connection.disconnect()
    }
    const deliveries = [returnReceivedLines(WORKER, marks[0]).length, returnReceivedLines(WORKER2, marks[1]).length]
    console.log(`[topology exactly-once] order.return_received handled ${deliveries[0]}× by worker 2, ${deliveries[1]}× by worker 3`)
    expect(deliveries[0]).toBeGreaterThan(0)
    expect(deliveries[1]).toBeGreaterThan(0)

    const claim = await waitFor(async () => {
      const c = await claimOf(order.id, returnId)
      return c && !["in_progress", "waiting"].includes(c.status) ? c : null
    }, 60_000)
    await sleep(2000) // let late deliveries finish
    expect(claim).toMatchObject({ status: "succeeded", owed: "10000", refunds: [{ payment_id: payment.id, amount: "10000", status: "succeeded" }] })
    expect(gatewayRefunds(topo.sandbox, txn).map((t) => t.amount)).toEqual(["10000"])
    expect(refundPosts(txn)).toHaveLength(1)
    const { data } = await api.get(`/admin/paymentoptions/orders/${order.id}`, admin)
    expect(data.order.return_refunds).toHaveLength(1)
    expect(await books(api, admin, topo.sandbox, payment.id)).toEqual([])
  })

  it("two refunds pressed at once on one payment through two servers: exact every time", async () => {
    const runs = 6
    const orders: Awaited<ReturnType<typeof paidOrder>>[] = []
    for (let i = 0; i < runs; i += 3) orders.push(...(await Promise.all([paidOrder(), paidOrder(), paidOrder()])))
    const results: { statuses: number[]; problems: string[] }[] = []
    for (const { payment, txn } of orders) {
      const answers = await Promise.all([
        refund(topo.api(SERVER), admin, payment.id, { amount: 1000, note: "server" }),
        refund(topo.api(SERVER2), admin, payment.id, { amount: 1500, note: "server 2" }),
      ])
      const ok = answers.filter((a) => a.status === 200).length
      const problems = await books(topo.api(SERVER), admin, topo.sandbox, payment.id)
      if (refundPosts(txn).length !== ok) problems.push(`${refundPosts(txn).length} refund calls for ${ok} successful answers`)
      for (const a of answers) if (a.status !== 200 && !(a.status >= 400 && a.status < 500)) problems.push(`answer ${a.status}: ${JSON.stringify(a.data).slice(0, 300)}`)
      if (!ok) problems.push("both refused")
      results.push({ statuses: answers.map((a) => a.status), problems })
    }
    const exact = results.filter((r) => !r.problems.length).length
    console.log(`[topology exactly-once] two servers, two refunds at once: ${exact}/${runs} runs exact ${JSON.stringify(results)}`)
    expect(exact).toBe(runs)
  })

  it("the settle job in the workers and Check now on both servers never double-settle: one ledger update per refund, no refund resent", async () => {
    const orders = await Promise.all([paidOrder(), paidOrder(), paidOrder(), paidOrder()])
    const pending: { paymentId: string; refundId: string; gatewayId: string; txn: string }[] = []
    for (const { payment, txn } of orders) {
      topo.sandbox.addFault({ op: "refund", fault: "unclear", transactionId: txn })
      expect((await refund(topo.api(SERVER), admin, payment.id, { amount: 1000 })).status).toBe(200)
      const record = await getPayment(topo.api(SERVER), admin, payment.id)
      const refundId = record.refunds[0].id
      expect(record.data.refunds[refundId]).toMatchObject({ status: "pending", transaction_id: expect.any(String) })
      pending.push({ paymentId: payment.id, refundId, gatewayId: record.data.refunds[refundId].transaction_id, txn })
    }
    // Every lookup of these refunds answers slowly (1.5 s), so the job and the presses overlap.
    for (const p of pending) proxy.delay((r) => r.method === "GET" && r.path.endsWith(`/transaction/status/${p.gatewayId}`), 1500, 50)
    const jobMarks = [topo.mark(WORKER), topo.mark(WORKER2)]
    for (const p of pending) topo.sandbox.settle(p.gatewayId, "succeeded")

    const presses = pending.flatMap((p) =>
      [SERVER, SERVER2, SERVER, SERVER2].map((i, n) =>
        sleep(n * 400).then(() => topo.api(i).post(`/admin/paymentoptions/payments/${p.paymentId}/settle`, {}, { ...admin, ...noThrow }))
      )
    )
    const answers = await Promise.all(presses)
    // Until the ledger shows each refund settled, and the job has run since.
    await waitFor(async () => {
      const all = await Promise.all(pending.map((p) => getPayment(topo.api(SERVER), admin, p.paymentId)))
      return all.every((r, n) => r.data.refunds[pending[n].refundId].status === "succeeded")
    }, 60_000)
    await sleep(5000) // two more ticks of the job

    const jobLines = [WORKER, WORKER2].flatMap((i, n) =>
      topo
        .log(i)
        .slice(jobMarks[n])
        .split("\n")
        .filter((l) => l.includes("PaymentOptions settle job:"))
        .map((l) => `[${i} ${topo.processes[i].mode}] ${l}`)
    )
    const byPress = answers.filter((a) => a.status === 200).flatMap((a) => a.data.changed as string[])
    const failedPresses = answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.data?.message}`)
    const byJob = jobLines.flatMap((l) => [...l.matchAll(/(ref_[A-Z0-9]+):(succeeded|failed|pending)/g)].map((m) => m[1]))
    console.log(
      `[topology exactly-once] settles: Check now changed ${JSON.stringify(byPress)}; job lines ${JSON.stringify(jobLines.map((l) => l.slice(0, 240)))}; ` +
        `refused presses ${JSON.stringify(failedPresses)}`
    )
    for (const p of pending) {
      const updates = [...byPress, ...byJob].filter((id) => id === p.refundId).length
      expect([p.refundId, updates]).toEqual([p.refundId, 1])
      expect(refundPosts(p.txn)).toHaveLength(1)
      expect(await books(topo.api(SERVER), admin, topo.sandbox, p.paymentId)).toEqual([])
    }
    // The job took part (it logs only when it found work), and a press that waited too long for the lock is refused
    // with a message, never half-done.
    expect(jobLines.length).toBeGreaterThan(0)
    for (const f of failedPresses) expect(f).toMatch(/^4\d\d /)
  })

  // The crashes come last: a process killed mid-way leaves Redis locks until their TTL (120 s) and makes Medusa's
  // own handling of the webhooks around it wait (see the report), which would only slow the other tests down. The
  // claim the first crash leaves in progress is listed as stuck once it is older than the lock TTL: the last test.
  let crashedReturn: { orderId: string; returnId: string; refundId: string; txn: string } | undefined

  it("crash during a return auto-refund: the process running it is SIGKILLed after the gateway committed; after restart the refund is listed with its Medusa refund id", async () => {
    const { order, payment, txn } = await paidOrder(1, true)
    topo.sandbox.addFault({ op: "refund", fault: "timeout_after", transactionId: txn, delayMs: 120_000 })
    const marks = [topo.mark(WORKER), topo.mark(WORKER2)]
    const items = await orderItems(topo.api(SERVER), admin, order.id)
    const returnId = await returnAndReceive(topo.api(SERVER), admin, { orderId: order.id, locationId: fulfillment.locationId, items: [{ id: items[0].id, quantity: 1 }] })

    // Whichever event process took order.return_received is the one waiting for the gateway now.
    const { committed, killed } = await killOnceCommitted(txn, () => (returnReceivedLines(WORKER, marks[0]).length ? WORKER : WORKER2))
    console.log(`[topology exactly-once] killed process ${killed} (${topo.processes[killed].mode}) during the return's refund`)
    await topo.restart(killed)
    console.log(`[topology exactly-once] Redis locks after the restart: ${await redisLocks()}`)

    const row = (await getPayment(topo.api(SERVER), admin, payment.id)).refunds[0]
    expect(row).toMatchObject({ amount: 5000, note: `Automatic refund for return ${returnId}` })
    // The gateway's notes carry the Medusa refund id, which reconciliation lists with what fixes it.
    expect(committed.notes).toBe(`Medusa refund ${row.id}`)
    const item = await waitFor(async () => (await reconciliation()).find((i) => i.refund_id === row.id), 20_000)
    expect(item).toMatchObject({ kind: expect.stringMatching(/^refund_(unknown|unrecorded)$/), payment_id: payment.id, order_id: order.id, action: expect.any(String) })
    console.log(`[topology exactly-once] after the crash: ${item.kind}: ${item.detail} → ${item.action}`)
    expect((await claimOf(order.id, returnId))?.status).toBe("in_progress")
    expect(refundPosts(txn)).toHaveLength(1)
    crashedReturn = { orderId: order.id, returnId, refundId: row.id, txn }
  })

  it("crash of the server between the gateway's commit and Medusa's record: after restart the refund is listed with its Medusa refund id, never silent", async () => {
    const { order, payment, txn } = await paidOrder()
    topo.sandbox.addFault({ op: "refund", fault: "timeout_after", transactionId: txn, delayMs: 120_000 })
    const pressed = refund(topo.api(SERVER), admin, payment.id, { amount: 1200, note: "pressed before the crash" }).catch((e) => e)
    const { committed } = await killOnceCommitted(txn, () => SERVER)
    expect(await pressed).toBeInstanceOf(Error) // the admin's request died with the server
    await topo.restart(SERVER)
    console.log(`[topology exactly-once] Redis locks after the restart: ${await redisLocks()}`)

    const record = await getPayment(topo.api(SERVER), admin, payment.id)
    expect(record.refunds.map((r: any) => r.amount)).toEqual([1200])
    const rowId = record.refunds[0].id
    expect(record.data.refunds?.[rowId]).toBeUndefined() // Medusa never recorded the provider's answer
    expect(committed).toMatchObject({ amount: "1200", notes: `Medusa refund ${rowId}` })
    const item = await waitFor(async () => (await reconciliation()).find((i) => i.refund_id === rowId), 20_000)
    expect(item).toMatchObject({ kind: expect.stringMatching(/^refund_(unknown|unrecorded)$/), payment_id: payment.id, order_id: order.id, amount: "1200", action: expect.any(String) })
    console.log(`[topology exactly-once] after the server crash: ${item.kind}: ${item.detail} → ${item.action}`)
    expect(refundPosts(txn)).toHaveLength(1)
  })

  it("the return refund left in progress by the crash is listed as stuck, with its action", async () => {
    expect(crashedReturn).toBeDefined()
    const { orderId, returnId, txn } = crashedReturn!
    const claim = await claimOf(orderId, returnId)
    expect(claim?.status).toBe("in_progress")
    const since = new Date(claim.created_at).getTime()
    const item = await waitFor(async () => (await reconciliation()).find((i) => i.kind === "return_refund_stuck" && i.detail.includes(returnId)), Math.max(since + STUCK_AFTER_MS + 15_000 - Date.now(), 15_000), 1000)
    expect(item).toMatchObject({ order_id: orderId, action: expect.any(String) })
    console.log(`[topology exactly-once] stuck claim: ${item.detail} → ${item.action}`)
    // Nothing was sent again meanwhile.
    expect(refundPosts(txn)).toHaveLength(1)
  })
})
