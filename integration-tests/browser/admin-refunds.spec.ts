/**
 * The "PaymentOptions refunds" admin widget in a real browser (jest phase TEST_TYPE=browser).
 *
 * 1. embedded PostgreSQL (scripts/postgres.ts) and the bundled sandbox gateway
 * 2. a throwaway Medusa app under .tmp/admin-app that installs this plugin from its `npm pack` tarball (in
 *    `plugins`, with `autoRefundOnReturn`), `medusa build` (backend + admin with the widget), `db:migrate` (Medusa's
 *    and the plugin module's tables), `medusa user`, `medusa start` (NODE_ENV=production: the built admin is served
 *    at /app; the settle job registered but off, so only the buttons settle anything)
 * 3. over HTTP: a JPY store, three orders paid on the hosted page; on order A a succeeded refund (¥1,200), a refund
 *    left pending and then declined at the gateway (¥300 → failed) and a refund whose answer timed out after the
 *    gateway committed it (¥800 → pending, no gateway id); on order B a refund the gateway answered "pending"
 *    (¥500, with its gateway id); order C fulfilled, a pending ¥500 refund on it, then its item returned and
 *    received: the automatic return refund waits for the pending one
 * 4. headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core): log in at /app/login, open the
 *    orders, assert what the widget (JS SDK + React Query over GET /admin/paymentoptions/orders/:id) shows against
 *    the stored data, screenshot it, press "Check now" (order B's refund settles; order A's cannot be asked) and
 *    resolve order A's refund by hand; see order C's "Return refund in progress"
 *
 * The screenshot goes to .tmp/admin-refunds.png; with UPDATE_SCREENSHOT=1 to docs/admin-refunds.png (the
 * README's picture), so a plain test run never changes a tracked file.
 * Medusa's and PostgreSQL's output: .tmp/browser-medusa.log; the app is deleted afterwards unless
 * KEEP_ADMIN_APP=1. Needs /usr/bin/chromium (apt-get install chromium).
 */
import axios, { AxiosInstance } from "axios"
import { ChildProcess } from "child_process"
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync } from "fs"
import { dirname, join } from "path"
import type { Browser, Locator, Page } from "playwright-core"
import { chromium } from "playwright-core"
import { Sandbox, startSandbox } from "../../sandbox"
import { getFreePort } from "../../scripts/postgres"
import { fulfillOrder, orderItems, returnAndReceive, setupFulfillment, waitFor } from "../helpers/returns-flow"
import {
  adminHeaders,
  AuthHeaders,
  capture,
  checkoutWithHostedPage,
  getOrderPayment,
  getPayment,
  refund,
  seedStore,
} from "../helpers/store-flow"
import {
  buildConsumerApp,
  ConsumerApp,
  PostgresProcess,
  ROOT,
  runMedusa,
  spawnMedusa,
  startPostgresProcess,
  stopMedusa,
} from "./consumer-app"

jest.setTimeout(300_000)

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium"
const SCREENSHOT = join(ROOT, process.env.UPDATE_SCREENSHOT === "1" ? "docs" : ".tmp", "admin-refunds.png")
const LOG = join(ROOT, ".tmp", "browser-medusa.log")
const ADMIN = { email: "admin@browser-test.local", password: "browser-test-password" }

const t0 = Date.now()
const say = (msg: string) => console.log(`[browser-test +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`)

let pg: PostgresProcess | undefined
let sandbox: Sandbox | undefined
let app: ConsumerApp | undefined
const out = (mkdirSync(join(ROOT, ".tmp"), { recursive: true }), createWriteStream(LOG, { flags: "w" }))
let medusa: ChildProcess | undefined
let browser: Browser | undefined
let page: Page
let api: AxiosInstance
let admin: AuthHeaders
let baseUrl: string
let orderA: { id: string; paymentId: string }
let orderB: { id: string; paymentId: string }
let orderC: { id: string; paymentId: string; returnId: string }
const pageErrors: string[] = []

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`medusa start exited early; see ${LOG}`)
    const ok = await axios
      .get(`${url}/health`, { timeout: 2000, validateStatus: () => true })
      .then((r) => r.status === 200)
      .catch(() => false)
    if (ok) return
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`medusa did not answer ${url}/health within ${timeoutMs / 1000}s; see ${LOG}`)
}

async function paidOrder(store: Awaited<ReturnType<typeof seedStore>>) {
  const { order } = await checkoutWithHostedPage(api, store.storeHeaders, { regionId: store.regionId, variantId: store.variantId })
  let payment = await getOrderPayment(api, admin, order.id)
  if (!payment.captured_at) payment = await capture(api, admin, payment.id)
  return { id: order.id as string, paymentId: payment.id as string }
}

async function refundOk(paymentId: string, amount: number) {
  const res = await refund(api, admin, paymentId, { amount })
  if (res.status !== 200) throw new Error(`refund ${amount} on ${paymentId}: HTTP ${res.status} ${JSON.stringify(res.data)}`)
}

/** Refund records of a payment, oldest first, as the API returns them. */
async function storedRefunds(paymentId: string): Promise<Array<{ id: string } & Record<string, any>>> {
  const payment = await getPayment(api, admin, paymentId)
  return Object.entries<any>(payment.data?.refunds ?? {})
    .map(([id, r]) => ({ id, ...r }))
    .sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)))
}

/** GET /admin/paymentoptions/orders/:id, the widget's own data. */
async function panelOf(orderId: string): Promise<any> {
  const { data } = await api.get(`/admin/paymentoptions/orders/${orderId}`, admin)
  return data.order
}

async function openOrder(orderId: string): Promise<Locator> {
  await page.goto(`${baseUrl}/app/orders/${orderId}`)
  const widget = page.getByTestId("po-refunds-widget")
  await widget.getByTestId("po-transaction-id").waitFor({ timeout: 60_000 })
  return widget
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CHROMIUM_PATH)`)

  ;[app, pg, sandbox] = await Promise.all([
    buildConsumerApp(say, out),
    getFreePort().then((port) => startPostgresProcess(port, out)),
    startSandbox({ port: 0, host: "127.0.0.1", quiet: true }),
  ])
  await pg.createDatabase("medusa_browser")
  say(`PostgreSQL on ${pg.port}, sandbox at ${sandbox.url}`)

  const port = await getFreePort()
  baseUrl = `http://localhost:${port}`
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    PORT: String(port),
    DATABASE_URL: pg.url("medusa_browser"),
    ADMIN_CORS: baseUrl,
    PO_API_KEY: sandbox.credentials.apiKey,
    PO_X_API_KEY: sandbox.credentials.xApiKey,
    PO_MERCHANT_ID: sandbox.credentials.merchantId,
    PO_BASE_URL: sandbox.url,
    PO_BACKEND_URL: baseUrl,
    // A refund whose answer takes longer than this is an unknown outcome (the fault below holds it 3 s).
    PO_TIMEOUT_MS: "1000",
    PO_SETTLE_TIMEOUT_MS: "400",
    PO_SETTLE_INTERVAL_MS: "100",
    PO_AUTO_REFUND_ON_RETURN: "1",
    // The settle job would settle the pending refunds by itself: here only the widget's buttons do.
    PAYMENTOPTIONS_SETTLE_JOB: "off",
    MEDUSA_DISABLE_TELEMETRY: "true",
  }
  await runMedusa(["db:migrate"], app.serverDir, env, out)
  await runMedusa(["user", "-e", ADMIN.email, "-p", ADMIN.password], app.serverDir, env, out)
  say("migrated, admin user created")
  medusa = spawnMedusa(["start"], app.serverDir, env, out)
  await waitForHealth(baseUrl, medusa, 120_000)
  say(`Medusa with the admin at ${baseUrl}/app`)

  api = axios.create({ baseURL: baseUrl })
  admin = await adminHeaders(api, null, ADMIN)
  const store = await seedStore(api, admin, { currency_code: "jpy", unit_price: 5000 })

  // Order A: succeeded, failed (pending at the gateway, then declined), pending (timed out after commit).
  orderA = await paidOrder(store)
  const txA = (await getPayment(api, admin, orderA.paymentId)).data.transaction_id
  await refundOk(orderA.paymentId, 1200)
  sandbox.addFault({ op: "refund", fault: "pending", transactionId: txA })
  await refundOk(orderA.paymentId, 300)
  const [, second] = await storedRefunds(orderA.paymentId)
  expect(second).toMatchObject({ status: "pending", transaction_id: expect.any(String) })
  sandbox.settle(second.transaction_id, "declined")
  // The next refund first settles the declined one (→ failed), then times out after the gateway committed it;
  // this gateway sends no refund webhook, so the refund never gets a gateway id (an operator must resolve it).
  sandbox.configure({ refundWebhooks: false })
  sandbox.addFault({ op: "refund", fault: "timeout_after", transactionId: txA, delayMs: 3000 })
  await refundOk(orderA.paymentId, 800)
  sandbox.configure({ refundWebhooks: true })
  expect((await storedRefunds(orderA.paymentId)).map((r) => `${r.amount}:${r.status}`)).toEqual([
    "1200:succeeded",
    "300:failed",
    "800:pending",
  ])

  // Order B: one refund the gateway answered "pending" (it has a gateway id, so the gateway can be asked again).
  orderB = await paidOrder(store)
  const txB = (await getPayment(api, admin, orderB.paymentId)).data.transaction_id
  sandbox.addFault({ op: "refund", fault: "pending", transactionId: txB })
  await refundOk(orderB.paymentId, 500)

  // Order C: fulfilled, a pending refund, then the item returned and received: the automatic return refund
  // recomputes what is owed and waits, since a refund on the payment has no final outcome yet.
  const fulfillment = await setupFulfillment(api, admin, { salesChannelId: store.salesChannelId, countryCode: "jp", currency_code: "jpy" })
  const paidC = await paidOrder(store)
  await fulfillOrder(api, admin, paidC.id, fulfillment)
  const txC = (await getPayment(api, admin, paidC.paymentId)).data.transaction_id
  sandbox.addFault({ op: "refund", fault: "pending", transactionId: txC })
  await refundOk(paidC.paymentId, 500)
  const [item] = await orderItems(api, admin, paidC.id)
  const returnId = await returnAndReceive(api, admin, { orderId: paidC.id, locationId: fulfillment.locationId, items: [{ id: item.id, quantity: 1 }] })
  orderC = { ...paidC, returnId }
  const claim = await waitFor(async () => (await panelOf(orderC.id)).return_refunds.find((c: any) => c.return_id === returnId && c.status !== "in_progress"), 30_000)
  expect(claim).toMatchObject({ return_id: returnId, status: "waiting" })
  say(`orders ${orderA.id} (3 refunds), ${orderB.id} (1 pending refund), ${orderC.id} (return refund waiting) ready`)

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true, // playwright also gives every launch a fresh, empty --user-data-dir
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  })
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } })
  page.on("pageerror", (e) => pageErrors.push(e.message))

  await page.goto(`${baseUrl}/app/login`)
  await page.locator('input[name="email"]').fill(ADMIN.email)
  await page.locator('input[name="password"]').fill(ADMIN.password)
  await page.locator('button[type="submit"]').click()
  await page.waitForURL((url) => !url.pathname.endsWith("/login"), { timeout: 60_000 })
  say("logged in to the admin in Chromium")
}, 600_000)

afterAll(async () => {
  await browser?.close().catch(() => undefined)
  if (medusa) await stopMedusa(medusa)
  await sandbox?.close().catch(() => undefined)
  await pg?.stop().catch(() => undefined)
  await new Promise<void>((r) => out.end(() => r()))
  // The app's package.json files would otherwise collide in jest's module map on the next run.
  if (app && process.env.KEEP_ADMIN_APP !== "1") rmSync(app.appDir, { recursive: true, force: true })
  say("stopped Chromium, Medusa, sandbox, PostgreSQL")
})

describe("admin widget: PaymentOptions refunds on the order page", () => {
  it("shows the payment's transaction id, masked card, captured amount and every refund as stored", async () => {
    const widget = await openOrder(orderA.id)
    const payment = await getPayment(api, admin, orderA.paymentId)
    const refunds = await storedRefunds(orderA.paymentId)
    const panel = await panelOf(orderA.id)
    expect(panel.currency_decimals).toEqual({ jpy: 0 })

    expect(await widget.getByRole("heading", { name: "PaymentOptions refunds" }).isVisible()).toBe(true)
    expect(await widget.getByTestId("po-transaction-id").innerText()).toBe(payment.data.transaction_id)
    if (payment.data.transaction_ref) {
      expect(await widget.getByTestId("po-transaction-ref").innerText()).toBe(String(payment.data.transaction_ref))
    }
    expect(await widget.getByTestId("po-card").innerText()).toBe("VISA •••• 1111 · 12/30")
    expect(await widget.getByTestId("po-captured").innerText()).toBe("¥5,000")
    expect(await widget.getByTestId("po-refunded").innerText()).toBe("¥1,200")

    const expected = [
      { amount: "¥1,200", status: "succeeded" },
      { amount: "¥300", status: "failed" },
      { amount: "¥800", status: "pending" },
    ]
    expect(refunds).toHaveLength(3)
    for (const [i, r] of refunds.entries()) {
      const row = widget.getByTestId(`po-refund-${r.id}`)
      expect(await row.getByTestId("po-refund-status").innerText()).toBe(expected[i].status)
      expect(await row.getByTestId("po-refund-amount").innerText()).toBe(expected[i].amount)
      expect(await row.getByTestId("po-refund-ref").innerText()).toBe(r.ref ?? "—")
      expect(await row.getByTestId("po-refund-transaction-id").count()).toBe(r.transaction_id ? 1 : 0)
      if (r.transaction_id) expect(await row.getByTestId("po-refund-transaction-id").innerText()).toBe(r.transaction_id)
      const message = [r.code, r.message].filter(Boolean).join(" · ")
      expect(await row.getByTestId("po-refund-message").innerText()).toContain(message || "—")
      expect(await row.innerText()).toContain(r.id)
    }
    // The succeeded refund carries the gateway's ref; the timed-out one has none yet.
    expect(refunds[0].ref).toEqual(expect.any(String))
    expect(refunds[2].ref).toBeNull()
    // No return refund, no cancel shortfall on this order.
    expect(await widget.getByTestId("po-return-in-progress").count()).toBe(0)
    expect(await widget.getByTestId("po-cancel-shortfall").count()).toBe(0)

    // Never a card number anywhere on the page.
    const html = await page.content()
    expect(html).not.toContain("4111111111111111")
    expect(html).not.toMatch(/4111[ -]?1111[ -]?1111/)
  })

  it("flags the pending refund with a Check now button (and takes the screenshot)", async () => {
    const widget = await openOrder(orderA.id)
    const flag = widget.getByTestId("po-pending-flag")
    expect(await flag.innerText()).toContain("1 refund has an unknown outcome at the gateway")
    expect(await flag.getByRole("button", { name: "Check now" }).isEnabled()).toBe(true)
    // The timed-out refund has no gateway id: it offers Resolve.
    const timedOut = (await storedRefunds(orderA.paymentId)).find((r) => r.status === "pending")!
    expect(await widget.getByTestId(`po-refund-${timedOut.id}`).getByTestId("po-resolve-open").count()).toBe(1)

    mkdirSync(dirname(SCREENSHOT), { recursive: true })
    await widget.scrollIntoViewIfNeeded()
    await widget.screenshot({ path: SCREENSHOT, animations: "disabled" })
    const kb = statSync(SCREENSHOT).size / 1024
    say(`screenshot ${SCREENSHOT} (${kb.toFixed(0)} KB)`)
    expect(kb).toBeLessThanOrEqual(300)
  })

  it("Check now asks the gateway and re-renders what it settled", async () => {
    const widget = await openOrder(orderB.id)
    const [pending] = await storedRefunds(orderB.paymentId)
    expect(pending).toMatchObject({ status: "pending", transaction_id: expect.any(String) })
    const row = widget.getByTestId(`po-refund-${pending.id}`)
    expect(await row.getByTestId("po-refund-status").innerText()).toBe("pending")
    expect(await widget.getByTestId("po-refunded").innerText()).toBe("¥0")
    const button = widget.getByTestId("po-check-now")
    expect(await button.isEnabled()).toBe(true)

    // The gateway has meanwhile decided: the refund went through.
    sandbox!.settle(pending.transaction_id, "succeeded")
    await button.click()
    await row.getByTestId("po-refund-status").filter({ hasText: "succeeded" }).waitFor({ timeout: 30_000 })
    expect(await widget.getByTestId("po-settle-result").innerText()).toContain("is now succeeded")
    await widget.getByTestId("po-pending-flag").waitFor({ state: "detached", timeout: 30_000 })
    await widget.getByTestId("po-refunded").filter({ hasText: "¥500" }).waitFor({ timeout: 30_000 })
    expect((await storedRefunds(orderB.paymentId))[0]).toMatchObject({ id: pending.id, status: "succeeded" })
  })

  it("a refund the gateway never named: Check now says so, Resolve records the portal's answer", async () => {
    const widget = await openOrder(orderA.id)
    const timedOut = (await storedRefunds(orderA.paymentId)).find((r) => r.status === "pending")!
    await widget.getByTestId("po-check-now").click()
    const result = widget.getByTestId("po-settle-result")
    await result.waitFor({ timeout: 30_000 })
    expect(await result.innerText()).toContain(`${timedOut.id}: the gateway never named this refund`)
    expect(await widget.getByTestId("po-pending-flag").count()).toBe(1)
    for (const r of await storedRefunds(orderA.paymentId)) {
      expect(await widget.getByTestId(`po-refund-${r.id}`).getByTestId("po-refund-status").innerText()).toBe(r.status)
    }

    // The operator finds "Medusa refund <id>" in the portal: it went through.
    const row = widget.getByTestId(`po-refund-${timedOut.id}`)
    await row.getByTestId("po-resolve-open").click()
    const form = widget.getByTestId(`po-resolve-${timedOut.id}`)
    expect(await form.getByTestId("po-resolve-succeeded").isDisabled()).toBe(true) // a note is required
    await form.getByTestId("po-resolve-note").fill("Portal shows the refund as approved")
    await form.getByTestId("po-resolve-succeeded").click()
    await row.getByTestId("po-refund-status").filter({ hasText: "succeeded" }).waitFor({ timeout: 30_000 })
    expect(await form.getByTestId("po-resolve-result").innerText()).toBe(`${timedOut.id} is now succeeded`)
    expect(await row.getByTestId("po-refund-resolution").innerText()).toContain("Portal shows the refund as approved")
    await widget.getByTestId("po-pending-flag").waitFor({ state: "detached", timeout: 30_000 })
    await widget.getByTestId("po-refunded").filter({ hasText: "¥2,000" }).waitFor({ timeout: 30_000 })
    expect((await storedRefunds(orderA.paymentId)).find((r) => r.id === timedOut.id)).toMatchObject({
      status: "succeeded",
      resolution: expect.objectContaining({ note: "Portal shows the refund as approved" }),
    })
  })

  it("shows a return refund in progress while it waits for a refund with an unknown outcome", async () => {
    const widget = await openOrder(orderC.id)
    const banner = widget.getByTestId("po-return-in-progress")
    expect(await banner.innerText()).toContain("Return refund in progress")
    expect(await banner.innerText()).toContain(`return ${orderC.returnId}`)
    const claim = widget.getByTestId(`po-claim-${orderC.returnId}`)
    expect(await claim.getByTestId("po-claim-status").innerText()).toBe("waiting")
    expect(await claim.getAttribute("data-status")).toBe("waiting")
    // The refund it waits for is on the payment, pending, with Check now.
    expect(await widget.getByTestId("po-pending-flag").count()).toBe(1)
  })

  it("raised no uncaught errors in the page", () => {
    expect(pageErrors).toEqual([])
  })
})
