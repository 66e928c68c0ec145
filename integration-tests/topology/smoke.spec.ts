/**
 * Smoke test of the production topology: a Medusa "server" process and a "worker" process (real `medusa start`)
 * on one PostgreSQL database and one Redis (Redis event bus, locking provider and workflow engine), the bundled
 * sandbox as the gateway. Everything goes through the server's HTTP API; the worker serves no routes.
 *
 * The tests run in order and build on each other (one order through its whole life).
 *
 * Observable proof of where things run: the Redis event bus logs "Processing <event> … which has N subscribers"
 * in the process whose BullMQ worker took the event. Only "worker"/"shared" processes run that worker. Note that
 * in 2.21.2 an event is only queued when the *emitting* process has a subscriber for it (event-bus-redis
 * `emit` / `releaseGroupedEvents` filter on the local subscriber map), so events nobody subscribes to
 * (order.placed, payment.refunded here) never show up; payment.webhook_received (Medusa's payment-webhook
 * subscriber) and order.return_received (the plugin's refund-on-return-received) do.
 */
import { AxiosInstance } from "axios"
import { fulfillOrder, getReturn, orderItems, returnAndReceive, setupFulfillment, waitFor } from "../helpers/returns-flow"
import { AuthHeaders, capture, checkoutWithHostedPage, getOrderPayment, getPayment, refund, seedStore } from "../helpers/store-flow"
import { useTopology } from "./harness"

jest.setTimeout(120_000)

const SERVER = 0
const WORKER = 1

const topo = useTopology({
  processes: ["server", "worker"],
  env: {
    // The plugin's subscriber refunds received returns (it must run in the worker).
    PO_AUTO_REFUND_ON_RETURN: "1",
    // The scheduled settle job must not run by itself during the test.
    PAYMENTOPTIONS_SETTLE_JOB: "off",
  },
})

/** The refund calls the gateway received (P/refund), oldest first. */
const gatewayRefundRequests = () => topo.sandbox.requests().filter((r) => r.method === "POST" && r.path.endsWith("/refund"))
/** Lines where the event bus worker picked up an event ("Processing <event> which has N subscribers"). */
const processedEvents = (i: number) => topo.log(i).split("\n").filter((l) => /Processing \S+ .*which has \d+ subscribers/.test(l))

describe("production topology: server + worker on PostgreSQL and Redis", () => {
  let api: AxiosInstance
  let admin: AuthHeaders
  let orderId: string
  let paymentId: string
  let fulfillment: Awaited<ReturnType<typeof setupFulfillment>>

  beforeAll(async () => {
    api = topo.api(SERVER)
    admin = await topo.admin()
  })

  it("both processes run the Redis modules; only the server serves routes", async () => {
    for (const i of [SERVER, WORKER]) {
      const log = topo.log(i)
      expect(log).toContain("Connection to Redis in module 'event-bus-redis' established")
      expect(log).toContain('Connection to Redis in "locking-redis" provider established')
      expect(log).toContain("Connection to Redis in module 'workflow-engine-redis' established")
      expect(log).not.toContain("A fake redis instance will be used")
    }
    expect((await topo.api(WORKER).get("/health")).status).toBe(200)
    const onWorker = await topo.api(WORKER).get("/admin/orders", { ...admin, validateStatus: () => true })
    expect(onWorker.status).toBe(404)
    expect((await api.get("/admin/orders", admin)).status).toBe(200)
    // Both processes use the spec's database (the harness's knex handle reads the same rows).
    const { rows } = await topo.db.raw(`select email from "user"`)
    expect(rows).toEqual([{ email: topo.adminCredentials.email }])
  })

  it("an order paid on the hosted page and captured, refunded in part: one refund request reaches the gateway", async () => {
    const store = await seedStore(api, admin, { currency_code: "jpy", unit_price: 5000 })
    fulfillment = await setupFulfillment(api, admin, { salesChannelId: store.salesChannelId, countryCode: "jp", currency_code: "jpy" })
    const { order } = await checkoutWithHostedPage(api, store.storeHeaders, { regionId: store.regionId, variantId: store.variantId, quantity: 2 })
    orderId = order.id
    let payment = await getOrderPayment(api, admin, orderId)
    paymentId = payment.id
    if (!payment.captured_at) await capture(api, admin, paymentId)
    payment = await getPayment(api, admin, paymentId)
    expect(payment.captured_at).toBeTruthy()
    expect(payment.amount).toBe(10000)

    const res = await refund(api, admin, paymentId, { amount: 1200, note: "topology smoke" })
    expect(res.status).toBe(200)
    expect(gatewayRefundRequests()).toHaveLength(1)
    expect(gatewayRefundRequests()[0].body).toMatchObject({ amount: "1200", notes: expect.stringContaining("ref_") })
    payment = await getPayment(api, admin, paymentId)
    expect(payment.refunds.map((r: any) => r.amount)).toEqual([1200])
    // The gateway's webhooks (sale, refund) reach the server and are checked in the next test: Medusa's
    // webhook route queues them with a fixed 5 s delay (2.21.2 ignores the payment module's webhook_delay).
  })

  it("the plugin's subscriber runs in the worker: a return received through the server refunds itself, once", async () => {
    await fulfillOrder(api, admin, orderId, fulfillment)
    const items = await orderItems(api, admin, orderId)
    const workerMark = topo.mark(WORKER)
    const returnId = await returnAndReceive(api, admin, {
      orderId,
      locationId: fulfillment.locationId,
      items: [{ id: items[0].id, quantity: 1 }],
    })

    const line = await topo.waitForLog(WORKER, /Processing order\.return_received/, { since: workerMark })
    expect(line).toMatch(/which has [1-9]\d* subscribers/)
    // The return's claim (a row of the plugin's module, shown on the order's PaymentOptions panel), mirrored onto
    // the return's metadata once the workflow ends.
    const marker = await waitFor(async () => {
      const m = (await getReturn(api, admin, returnId)).metadata?.paymentoptions_refund
      if (!m || m.status === "in_progress") return null
      const { data } = await api.get(`/admin/paymentoptions/orders/${orderId}`, admin)
      return (data.order.return_refunds as any[]).find((c) => c.return_id === returnId && c.id === m.claim_id) ?? null
    }, 30_000)
    expect(marker).toMatchObject({ status: "succeeded" })
    expect(marker.refunds).toHaveLength(1)
    expect(marker.refunds[0].amount).toBe(marker.owed)

    expect(gatewayRefundRequests()).toHaveLength(2)
    const payment = await getPayment(api, admin, paymentId)
    expect(payment.refunds.map((r: any) => r.amount).sort()).toEqual([1200, Number(marker.owed)].sort())

    // The sandbox's webhooks went to the server (PO_BACKEND_URL), which queued payment.webhook_received;
    // Medusa's payment-webhook subscriber handled them in the worker. The server processed no event at all.
    await topo.waitForLog(WORKER, /Processing payment\.webhook_received/)
    expect(processedEvents(SERVER)).toEqual([])
  })

  it("a SIGKILLed server restarts and serves again; the worker kept running", async () => {
    const server = topo.processes[SERVER]
    const oldPid = server.pid
    await topo.kill(SERVER, "SIGKILL")
    expect(server.running).toBe(false)
    await expect(api.get("/health", { timeout: 2000 })).rejects.toThrow()
    expect(topo.processes[WORKER].running).toBe(true)

    const bootMs = await topo.restart(SERVER)
    expect(server.pid).not.toBe(oldPid)
    console.log(`[topology smoke] server restart after SIGKILL: ${(bootMs / 1000).toFixed(1)} s`)

    // The same admin token works (stateless JWT), the order is there, and money still moves exactly once.
    const payment = await getPayment(api, admin, paymentId)
    expect(payment.refunds).toHaveLength(2)
    const workerMark = topo.mark(WORKER)
    const res = await refund(api, admin, paymentId, { amount: 100, note: "after restart" })
    expect(res.status).toBe(200)
    expect(gatewayRefundRequests()).toHaveLength(3)
    // The refund's webhook went to the new server process and on to the (never restarted) worker through Redis.
    await topo.waitForLog(WORKER, /Processing payment\.webhook_received/, { since: workerMark })
    expect(processedEvents(SERVER)).toEqual([])
  })
})
