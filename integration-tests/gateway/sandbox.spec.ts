// Drives the bundled sandbox gateway over real HTTP, the way the provider will.
import axios, { type AxiosResponse } from "axios"
import http from "http"
import type { AddressInfo } from "net"
import { DEFAULT_SANDBOX_CONFIG, THREE_DS_CARD, startSandbox, type FaultSpec, type Sandbox } from "../../sandbox"

const P = "/api/v1/server-to-server-interface"
const CARD = { name: "Taro Yamada", number: "5200000000001005", expiry_month: "12", expiry_year: "30", cvc: "123" }

let sb: Sandbox

beforeAll(async () => {
  sb = await startSandbox()
})
afterAll(async () => {
  await sb.close()
})
beforeEach(() => sb.reset())

function headers(over: Record<string, string | undefined> = {}): Record<string, string> {
  const h: Record<string, string | undefined> = {
    "x-api-key": sb.credentials.xApiKey,
    authorization: `Basic ${sb.credentials.apiKey}`,
    "content-type": "application/json",
    ...over,
  }
  return Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>
}

function post(path: string, body: Record<string, unknown>, opts: { timeout?: number; headers?: Record<string, string | undefined> } = {}) {
  return axios.post(sb.url + P + path, { merchant_id: sb.credentials.merchantId, ...body }, {
    headers: headers(opts.headers),
    validateStatus: () => true,
    timeout: opts.timeout ?? 5000,
  })
}

function getStatus(id: string): Promise<AxiosResponse> {
  return axios.get(`${sb.url}${P}/transaction/status/${id}`, { headers: headers(), validateStatus: () => true })
}

let refSeq = 0
async function sale(amount: string | number = "1000", currency = "JPY", extra: Record<string, unknown> = {}): Promise<string> {
  const r = await post("/payment", { amount, currency, merchant_txn_ref: `order-${++refSeq}`, card: CARD, ...extra })
  expect(r.status).toBe(201)
  expect(r.data.success).toBe(true)
  return r.data.transaction_details.id
}

async function authorize(amount: string | number = "1000", currency = "JPY"): Promise<string> {
  const r = await post("/authorization", { amount, currency, merchant_txn_ref: `auth-${++refSeq}`, card: CARD })
  expect(r.status).toBe(201)
  expect(r.data.transaction_type).toBe("PRE_AUTH")
  return r.data.transaction_details.id
}

const refund = (transactionId: string, amount: string | number, opts: { timeout?: number } = {}) =>
  post("/refund", { transactionId, amount }, opts)

const waitFor = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time")
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe("auth", () => {
  it("403 on missing or wrong x-api-key", async () => {
    for (const key of [undefined, "nope"]) {
      const r = await post("/payment", {}, { headers: { "x-api-key": key } })
      expect(r.status).toBe(403)
      expect(r.data).toEqual({ message: "Forbidden" })
    }
  })

  it("401 unless Authorization is exactly Basic <apiKey>", async () => {
    for (const auth of [undefined, "Basic wrong", `Basic ${Buffer.from(sb.credentials.apiKey).toString("base64")}`, sb.credentials.apiKey]) {
      const r = await post("/payment", {}, { headers: { authorization: auth } })
      expect(r.status).toBe(401)
      expect(r.data).toEqual({ message: "Unauthorized" })
    }
  })

  it("400 VAL0035 on merchant_id mismatch", async () => {
    const r = await post("/payment", { merchant_id: "JP99999999", amount: "1000", currency: "JPY", merchant_txn_ref: "x", card: CARD })
    expect(r.status).toBe(400)
    expect(r.data.success).toBe(false)
    expect(r.data.gateway_response).toMatchObject({ type: "ERROR", code: "VAL0035", message: "Invalid merchant_id" })
    expect(sb.transactions()).toHaveLength(0)
  })

  it("records requests with credentials redacted", async () => {
    await sale()
    const [req] = sb.requests()
    expect(req).toMatchObject({ method: "POST", path: `${P}/payment` })
    expect(req.headers.authorization).toBe("<redacted>")
    expect(req.headers["x-api-key"]).toBe("<redacted>")
    expect((req.body as Record<string, unknown>).merchant_txn_ref).toMatch(/^order-/)
  })
})

describe("amounts", () => {
  it("rejects more decimals than the currency has, zero and negatives", async () => {
    const cases: [string | number, string][] = [["1000.5", "JPY"], ["12.345", "USD"], [12.345, "USD"], ["1.2345", "KWD"], ["0", "JPY"], ["-5", "USD"], ["abc", "USD"]]
    for (const [amount, currency] of cases) {
      const r = await post("/payment", { amount, currency, merchant_txn_ref: "x", card: CARD })
      expect(r.status).toBe(400)
      expect(r.data.gateway_response).toMatchObject({ code: "VAL0035", message: "Invalid amount" })
    }
    expect(sb.transactions()).toHaveLength(0)
  })

  it("keeps exact decimals per currency exponent", async () => {
    const usd = await sale("12.34", "USD")
    const kwd = await sale(1.234, "KWD")
    expect(sb.transaction(usd)).toMatchObject({ amount: "12.34", amountMinor: 1234 })
    expect(sb.transaction(kwd)).toMatchObject({ amount: "1.234", amountMinor: 1234 })
    // Ten 0.1 refunds hit 1.00 exactly (float sums would drift).
    const id = await sale("1.00", "USD")
    for (let i = 0; i < 10; i++) expect((await refund(id, "0.1")).status).toBe(201)
    expect(sb.transaction(id)?.refundedAmount).toBe("1.00")
    expect((await refund(id, "0.01")).data.gateway_response.code).toBe("ERR3019")
  })
})

describe("sale and refunds", () => {
  it("answers the documented envelope and echoes the full PAN", async () => {
    const r = await post("/payment", { amount: "1000", currency: "JPY", merchant_txn_ref: "order-env", card: CARD })
    expect(r.status).toBe(201)
    expect(r.data).toMatchObject({
      success: true,
      status_code: 201,
      is_live: false,
      transaction_type: "CAPTURE",
      gateway_response: { version: "1", type: "INFO", code: "INFO0000" },
      merchant_details: { legal_name: "Sandbox Merchant KK", mid: sb.credentials.merchantId, merchant_txn_ref: "order-env" },
      payment_details: {
        amount: 1000,
        response_code: 0,
        currency: "JPY",
        payment_method: "ECMC-SSL",
        scheme: "MASTERCARD",
        card: { name: CARD.name, number: CARD.number, exp_month: "12", exp_year: "30" },
      },
      transaction_details: { merchant_txn_ref: "order-env" },
      risk_details: { risk_score: null },
    })
    expect(r.data.payment_details.auth_code).toMatch(/^\d{6}$/)
    expect(r.data.transaction_details.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(r.data.transaction_details.ref).toBeGreaterThanOrEqual(74811)
  })

  it("partial refunds, exact remainder, then ERR3019", async () => {
    const id = await sale("1000")
    const r1 = await refund(id, "300")
    expect(r1.status).toBe(201)
    expect(r1.data).toMatchObject({ success: true, transaction_type: "REFUND", gateway_response: { code: "INFO0002" }, payment_details: { amount: 300 } })
    expect(r1.data.transaction_details.id).not.toBe(id)
    expect((await refund(id, 200)).status).toBe(201)
    const last = await refund(id, "500")
    expect(last.status).toBe(201)
    const over = await refund(id, "1")
    expect(over.status).toBe(400)
    expect(over.data).toMatchObject({ success: false, gateway_response: { type: "ERROR", code: "ERR3019", message: "Insufficient refund balance" }, payment_details: { response_code: -8019 } })
    expect(sb.transaction(id)?.refundedAmount).toBe("1000")

    const refundTxn = sb.transaction(r1.data.transaction_details.id)
    expect(refundTxn).toMatchObject({ type: "REFUND", status: "succeeded", parentId: id, amount: "300" })
    const st = await getStatus(r1.data.transaction_details.id)
    expect(st.status).toBe(200)
    expect(st.data).toMatchObject({ success: true, status_code: 200, transaction_type: "REFUND", gateway_response: { code: "INFO0002" }, payment_details: { amount: 300, responseDescription: "The transaction was completed successfully." } })
  })

  it("stores refund notes and rejects notes over 128 chars", async () => {
    const id = await sale()
    const ok = await post("/refund", { transactionId: id, amount: "10", notes: "customer return" })
    expect(sb.transaction(ok.data.transaction_details.id)?.notes).toBe("customer return")
    const bad = await post("/refund", { transactionId: id, amount: "10", notes: "x".repeat(129) })
    expect(bad.status).toBe(400)
    expect(bad.data.gateway_response.code).toBe("VAL0035")
  })

  it("refuses refunds of a PRE_AUTH and of unknown ids", async () => {
    const auth = await authorize()
    const r = await refund(auth, "100")
    expect(r.status).toBe(400)
    expect(r.data.gateway_response).toMatchObject({ code: "ERR0204", message: "Transaction is not refundable" })
    const nf = await refund("00000000-0000-0000-0000-000000000000", "1")
    expect(nf.status).toBe(404)
    expect(nf.data.gateway_response).toMatchObject({ code: "ERR0204", message: "Transaction not found" })
  })

  it("declines decline cards with a recorded transaction", async () => {
    const r = await post("/payment", { amount: "1000", currency: "JPY", merchant_txn_ref: "d", card: { ...CARD, number: "4000000000000002" } })
    expect(r.status).toBe(201)
    expect(r.data).toMatchObject({ success: false, gateway_response: { code: "ERR0204" }, payment_details: { response_code: 5, scheme: "VISA" } })
    expect(sb.transaction(r.data.transaction_details.id)?.status).toBe("declined")
    const nsf = await post("/authorization", { amount: "1000", currency: "JPY", merchant_txn_ref: "d2", card: { ...CARD, number: "4000000000009995" } })
    expect(nsf.data.payment_details.response_code).toBe(51)
  })

  it("issues and accepts stored payment method tokens", async () => {
    const r = await post("/payment", { amount: "500", currency: "JPY", merchant_txn_ref: "t1", card: CARD, payment_method: { type: "scheme", store_payment_method: true } })
    const token = r.data.payment_details.additional_data.stored_payment_method_id
    expect(token).toMatch(/^[0-9a-f-]{36}$/)
    const again = await post("/payment", { amount: "700", currency: "JPY", merchant_txn_ref: "t2", payment_method: { type: "scheme", stored_payment_method_id: token } })
    expect(again.status).toBe(201)
    expect(again.data.payment_details.card.number).toBe(CARD.number)
  })
})

describe("authorization lifecycle", () => {
  it("capture creates a new id; refunds go against the capture id", async () => {
    const auth = await authorize("1000")
    const over = await post("/capture", { transactionId: auth, amount: "1001" })
    expect(over.status).toBe(400)
    expect(over.data).toMatchObject({ gateway_response: { code: "VAL0035" }, payment_details: { response_code: 836 } })

    const cap = await post("/capture", { transactionId: auth, amount: "800" })
    expect(cap.status).toBe(201)
    expect(cap.data).toMatchObject({ success: true, transaction_type: "CAPTURE", gateway_response: { code: "INFO0001", message: "Amount successfully captured." }, payment_details: { amount: 800 } })
    const capId = cap.data.transaction_details.id
    expect(capId).not.toBe(auth)
    expect(sb.transaction(capId)).toMatchObject({ type: "CAPTURE", parentId: auth, amount: "800" })
    expect(sb.transaction(auth)).toMatchObject({ captured: true, captureId: capId })

    const again = await post("/capture", { transactionId: auth, amount: "100" })
    expect(again.status).toBe(400)
    expect(again.data.gateway_response.code).toBe("ERR0204")

    expect((await refund(auth, "100")).data.gateway_response.message).toBe("Transaction is not refundable")
    const rf = await refund(capId, "800")
    expect(rf.status).toBe(201)
    expect(sb.transaction(rf.data.transaction_details.id)?.parentId).toBe(capId)
    expect((await refund(capId, "1")).data.gateway_response.code).toBe("ERR3019")
  })

  it("void before capture succeeds; capture after void and void after capture are refused", async () => {
    const a1 = await authorize()
    const v = await post("/void", { transactionId: a1 })
    expect(v.status).toBe(201)
    expect(v.data).toMatchObject({ success: true, transaction_type: "VOID", gateway_response: { code: "INFO0003", message: "Authorization Successfully Cancelled." } })
    expect(sb.transaction(v.data.transaction_details.id)).toMatchObject({ type: "VOID", parentId: a1 })
    expect((await post("/capture", { transactionId: a1, amount: "1000" })).data.gateway_response.code).toBe("ERR0204")

    const a2 = await authorize()
    await post("/capture", { transactionId: a2, amount: "1000" })
    const late = await post("/void", { transactionId: a2 })
    expect(late.status).toBe(400)
    expect(late.data.gateway_response.code).toBe("ERR0204")
  })
})

describe("hosted payment page", () => {
  let hook: http.Server
  let hookUrl: string
  const received: unknown[] = []
  let failFirst = 0

  beforeAll(async () => {
    hook = http.createServer((req, res) => {
      let raw = ""
      req.on("data", (c) => (raw += c))
      req.on("end", () => {
        received.push(JSON.parse(raw))
        res.statusCode = failFirst-- > 0 ? 500 : 200
        res.end()
      })
    })
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r))
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks/po`
  })
  afterAll(() => new Promise<void>((r) => hook.close(() => r())))
  beforeEach(() => {
    received.length = 0
    failFirst = 0
  })

  async function link(amount: string | number = "1500") {
    const r = await post("/hpp/generate/link", {
      amount,
      currency: "JPY",
      merchant_txn_ref: `hpp-${++refSeq}`,
      return_url: { webhook_url: hookUrl, success_url: "http://shop.test/ok", decline_url: "http://shop.test/ko", cancel_url: "http://shop.test/cancel" },
    })
    expect(r.status).toBe(201)
    return r.data as { id: string; url: string }
  }

  const pay = (url: string, card = "4111111111111111", extra: Record<string, string> = {}) =>
    axios.post(`${url}/pay`, { card_number: card, card_name: "Hanako", exp_month: "12", exp_year: "30", cvc: "123", ...extra }, {
      headers: { accept: "application/json" },
      validateStatus: () => true,
    })

  it("link → page → pay → status by link id, webhook delivered", async () => {
    const l = await link()
    expect(l.url).toMatch(new RegExp(`^${sb.url}/hpp/[A-Za-z0-9]{8}$`))
    expect((await getStatus(l.id)).status).toBe(404)

    const page = await axios.get(l.url)
    expect(page.headers["content-type"]).toContain("text/html")
    expect(page.data).toContain("4111111111111111")

    const r = await pay(l.url)
    expect(r.status).toBe(200)
    expect(r.data.redirect_url).toBe("http://shop.test/ok")
    expect(r.data.transaction).toMatchObject({ success: true, transaction_type: "CAPTURE", transaction_details: { id: l.id } })

    const st = await getStatus(l.id)
    expect(st.data).toMatchObject({ success: true, status_code: 200, payment_details: { amount: 1500, card: { number: "4111111111111111" } } })
    expect((await pay(l.url)).status).toBe(409)

    await waitFor(() => received.length === 1 && sb.webhooks().length === 1)
    expect(received[0]).toMatchObject({ transaction_details: { id: l.id }, success: true })
    expect(sb.webhooks()[0]).toMatchObject({ url: hookUrl, status: 200, attempt: 1 })
    // The HPP sale is refundable by its id.
    expect((await refund(l.id, "1500")).status).toBe(201)
  })

  it("form post redirects (303) to decline_url for a decline card; cancel goes to cancel_url", async () => {
    const l = await link()
    const form = new URLSearchParams({ card_number: "4000000000000002", card_name: "X", exp_month: "1", exp_year: "30", cvc: "1" })
    const r = await axios.post(`${l.url}/pay`, form.toString(), {
      // What a browser sends; axios' default Accept includes application/json.
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html,application/xhtml+xml,*/*;q=0.8" },
      maxRedirects: 0,
      validateStatus: () => true,
    })
    expect(r.status).toBe(303)
    expect(r.headers.location).toBe("http://shop.test/ko")
    expect(sb.transaction(l.id)).toMatchObject({ status: "declined", responseCode: 5, source: "hpp" })

    const l2 = await link()
    const c = await pay(l2.url, "4111111111111111", { action: "cancel" })
    expect(c.data.redirect_url).toBe("http://shop.test/cancel")
    expect(sb.transaction(l2.id)).toBeUndefined()
  })

  it("retries webhooks on non-2xx (1 attempt + 2 retries)", async () => {
    failFirst = 5
    const id = await sale("100", "JPY", { return_url: { webhook_url: hookUrl } })
    await waitFor(() => sb.webhooks().length === 3, 4000)
    expect(sb.webhooks().map((w) => w.status)).toEqual([500, 500, 500])
    expect((received[0] as { transaction_details: { id: string } }).transaction_details.id).toBe(id)
  })
})

describe("fault injection", () => {
  const arm = (f: FaultSpec) => sb.addFault(f)

  it("decline, over_balance, unauthorized, 5xx faults commit nothing", async () => {
    const id = await sale()
    const cases: [FaultSpec["fault"], number, unknown][] = [
      ["decline", 400, { gateway_response: { code: "ERR0204" }, payment_details: { response_code: 12 } }],
      ["over_balance", 400, { gateway_response: { code: "ERR3019" }, payment_details: { response_code: -8019 } }],
      ["unauthorized", 401, { message: "Unauthorized" }],
      ["server_error", 500, { message: "Internal server error" }],
      ["bad_gateway", 502, {}],
      ["gateway_timeout", 504, {}],
    ]
    for (const [fault, status, body] of cases) {
      arm({ op: "refund", fault, transactionId: id })
      const r = await refund(id, "100")
      expect([fault, r.status]).toEqual([fault, status])
      expect(r.data).toMatchObject(body as object)
    }
    expect(sb.transaction(id)?.refundedAmountMinor).toBe(0)
    expect((await refund(id, "100")).status).toBe(201) // faults were one-shot
  })

  it("fault with transactionId only matches that transaction", async () => {
    const a = await sale()
    const b = await sale()
    arm({ op: "refund", fault: "server_error", transactionId: a })
    expect((await refund(b, "1")).status).toBe(201)
    expect((await refund(a, "1")).status).toBe(500)
  })

  it("server_error_after_commit commits then answers 500", async () => {
    const id = await sale()
    arm({ op: "refund", fault: "server_error_after_commit" })
    const r = await refund(id, "400")
    expect(r.status).toBe(500)
    expect(sb.transaction(id)?.refundedAmount).toBe("400")
  })

  it("timeout_before holds without committing", async () => {
    const id = await sale()
    arm({ op: "refund", fault: "timeout_before", delayMs: 300 })
    await expect(refund(id, "100", { timeout: 150 })).rejects.toThrow(/timeout/i)
    expect(sb.transaction(id)?.refundIds).toEqual([])
  })

  it("timeout_after commits the refund and counts it against the balance", async () => {
    const id = await sale("1000")
    arm({ op: "refund", fault: "timeout_after", delayMs: 300 })
    await expect(refund(id, "600", { timeout: 150 })).rejects.toThrow(/timeout/i)
    const refunds = sb.transactions().filter((t) => t.type === "REFUND")
    expect(refunds).toHaveLength(1)
    expect(refunds[0]).toMatchObject({ parentId: id, amount: "600", status: "succeeded" })
    expect((await refund(id, "600")).data.gateway_response.code).toBe("ERR3019")
  })

  it("timeout_after on a status lookup destroys the socket", async () => {
    const id = await sale()
    arm({ op: "status", fault: "timeout_after", delayMs: 100 })
    await expect(axios.get(`${sb.url}${P}/transaction/status/${id}`, { headers: headers(), timeout: 2000 })).rejects.toThrow(/socket hang up|ECONNRESET/i)
  })

  it("unclear commits pending, status reports 578 until settled", async () => {
    const id = await sale("1000")
    arm({ op: "refund", fault: "unclear" })
    const r = await refund(id, "700")
    expect(r.status).toBe(201)
    expect(r.data).toMatchObject({ success: false, gateway_response: { type: "ERROR", code: "ERR0204", message: "Transaction result unclear" }, payment_details: { response_code: 68 } })
    const refundId = r.data.transaction_details.id
    expect(sb.transaction(refundId)?.status).toBe("pending")

    // A pending refund holds the balance.
    expect((await refund(id, "400")).data.gateway_response.code).toBe("ERR3019")
    const st = await getStatus(refundId)
    expect(st.data).toMatchObject({ success: false, gateway_response: { code: "PEND0578" }, payment_details: { response_code: 578 } })

    // Settling declined releases the hold.
    const s = await axios.post(`${sb.url}/__sandbox/transactions/${refundId}/settle`, { outcome: "declined" })
    expect(s.status).toBe(200)
    expect((await getStatus(refundId)).data).toMatchObject({ success: false, gateway_response: { code: "ERR0204" } })
    expect((await refund(id, "400")).status).toBe(201)
  })

  it("pending answers 578 and auto-settles with settleAfterMs", async () => {
    const id = await sale("1000")
    arm({ op: "refund", fault: "pending", settleAfterMs: 100 })
    const r = await refund(id, "1000")
    expect(r.data.payment_details.response_code).toBe(578)
    const refundId = r.data.transaction_details.id
    await waitFor(() => sb.transaction(refundId)?.status === "succeeded")
    expect((await getStatus(refundId)).data).toMatchObject({ success: true, gateway_response: { code: "INFO0002" } })
  })

  it("in_progress commits pending, answers success:false with an INFO code and no response code; on status only the answer changes", async () => {
    const id = await sale("1000")
    arm({ op: "refund", fault: "in_progress" })
    const r = await refund(id, "300")
    expect(r.status).toBe(201)
    expect(r.data).toMatchObject({
      success: false,
      transaction_type: "REFUND",
      gateway_response: { type: "INFO", code: "INFO0002", message: "Transaction is being processed." },
      payment_details: { amount: 300 },
    })
    expect(r.data.payment_details).not.toHaveProperty("response_code")
    const refundId = r.data.transaction_details.id
    expect(sb.transaction(refundId)).toMatchObject({ status: "pending", parentId: id })
    expect((await getStatus(refundId)).data).toMatchObject({ success: false, gateway_response: { code: "PEND0578" } })

    arm({ op: "status", fault: "in_progress", transactionId: id })
    const st = await getStatus(id)
    expect(st.status).toBe(200)
    expect(st.data).toMatchObject({ success: false, transaction_type: "CAPTURE", gateway_response: { type: "INFO", code: "INFO0000" } })
    expect(st.data.payment_details).not.toHaveProperty("response_code")
    expect(st.data.payment_details).not.toHaveProperty("responseDescription")
    expect(sb.transaction(id)?.status).toBe("succeeded")
    expect((await getStatus(id)).data).toMatchObject({ success: true, payment_details: { response_code: 0 } }) // one-shot
  })

  it("malformed commits and answers a non-envelope body", async () => {
    const id = await sale()
    arm({ op: "refund", fault: "malformed" })
    const r = await refund(id, "100")
    expect(r.status).toBe(201)
    expect(r.data).toEqual({ ok: true, result: "accepted", txn: expect.any(String) })
    expect(sb.transaction(r.data.txn)).toMatchObject({ type: "REFUND", amount: "100" })
  })

  it("decline on payment records a declined sale; control endpoint arms faults", async () => {
    const armed = await axios.post(`${sb.url}/__sandbox/faults`, { op: "payment", fault: "decline" })
    expect(armed.status).toBe(201)
    const r = await post("/payment", { amount: "1000", currency: "JPY", merchant_txn_ref: "x", card: CARD })
    expect(r.status).toBe(201)
    expect(r.data).toMatchObject({ success: false, payment_details: { response_code: 5 } })
    expect(sb.transaction(r.data.transaction_details.id)?.status).toBe("declined")
    expect((await axios.post(`${sb.url}/__sandbox/faults`, { op: "nope", fault: "decline" }, { validateStatus: () => true })).status).toBe(400)
  })
})

describe("follow-up webhooks: refundWebhooks, captureWebhooks, voidWebhooks", () => {
  let hook: http.Server
  let hookUrl: string
  const received: Record<string, any>[] = []

  beforeAll(async () => {
    hook = http.createServer((req, res) => {
      let raw = ""
      req.on("data", (c) => (raw += c))
      req.on("end", () => {
        received.push(JSON.parse(raw))
        res.end()
      })
    })
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r))
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks/follow-ups`
  })
  afterAll(() => new Promise<void>((r) => hook.close(() => r())))
  beforeEach(() => {
    received.length = 0
  })

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
  const announced = (id: string) => sb.webhooks().filter((w) => w.transactionId === id)
  async function authorizeWithHook(amount = "1000"): Promise<string> {
    const r = await post("/authorization", { amount, currency: "JPY", merchant_txn_ref: `fu-${++refSeq}`, card: CARD, return_url: { webhook_url: hookUrl } })
    expect(r.status).toBe(201)
    const id = r.data.transaction_details.id
    await waitFor(() => announced(id).length === 1 && received.some((b) => b.transaction_details?.id === id)) // the PRE_AUTH's own
    return id
  }

  it.each([
    ["/capture", "captureWebhooks", "CAPTURE"],
    ["/void", "voidWebhooks", "VOID"],
  ] as const)("%s of a PRE_AUTH is announced on the authorization's webhook URL, also when its answer is lost; %s false: none", async (path, sw, type) => {
    const op = path === "/capture" ? "capture" : "void"
    const auth = await authorizeWithHook()
    sb.addFault({ op, fault: "timeout_after", transactionId: auth, delayMs: 400 })
    await expect(post(path, { transactionId: auth, amount: "1000" }, { timeout: 150 })).rejects.toThrow(/timeout/i)
    const child = sb.transactions().find((t) => t.type === type && t.parentId === auth)!
    expect(child).toMatchObject({ status: "succeeded", amount: "1000" })
    await waitFor(() => announced(child.id).length === 1 && received.length === 2)
    const [delivery] = announced(child.id)
    expect(delivery).toMatchObject({ url: hookUrl, duplicate: false, attempt: 1, status: 200 })
    // The body is the follow-up's status envelope; it carries the authorization's merchant_txn_ref.
    const status = (await getStatus(child.id)).data
    expect(received[1]).toEqual(status)
    expect(status).toMatchObject({ transaction_type: type, transaction_details: { id: child.id, merchant_txn_ref: sb.transaction(auth)!.merchantTxnRef } })

    sb.configure({ [sw]: false })
    const quiet = await authorizeWithHook()
    const r = await post(path, { transactionId: quiet, amount: "1000" })
    expect(r.status).toBe(201)
    await sleep(100)
    expect(announced(r.data.transaction_details.id)).toEqual([])
    expect(received).toHaveLength(3) // the two PRE_AUTHs and the first follow-up
  })

  it("refunds are announced on the root payment's URL (a capture's refund on its authorization's); refundWebhooks false: none", async () => {
    const auth = await authorizeWithHook("2000")
    const cap = await post("/capture", { transactionId: auth, amount: "2000" })
    const capId = cap.data.transaction_details.id
    await waitFor(() => announced(capId).length === 1)
    const r = await refund(capId, "500")
    const refundId = r.data.transaction_details.id
    await waitFor(() => announced(refundId).length === 1 && received.length === 3)
    expect(announced(refundId)[0]).toMatchObject({ url: hookUrl, status: 200 })
    expect(received[2]).toMatchObject({ transaction_type: "REFUND", payment_details: { amount: 500 }, transaction_details: { id: refundId } })

    sb.configure({ refundWebhooks: false })
    const quiet = await refund(capId, "500")
    expect(quiet.status).toBe(201)
    await sleep(100)
    expect(announced(quiet.data.transaction_details.id)).toEqual([])
    expect(received).toHaveLength(3)
  })

  it("a follow-up of a payment made without a webhook URL is announced nowhere", async () => {
    const id = await authorize()
    const cap = await post("/capture", { transactionId: id, amount: "1000" })
    expect(cap.status).toBe(201)
    await refund(cap.data.transaction_details.id, "100")
    await sleep(100)
    expect(sb.webhooks()).toEqual([])
  })
})

describe("server", () => {
  it("answers unknown paths with 404 JSON and exposes control endpoints", async () => {
    const r = await axios.get(`${sb.url}${P}/nope`, { headers: headers(), validateStatus: () => true })
    expect(r.status).toBe(404)
    expect(r.data).toEqual({ message: "Not Found" })
    const id = await sale()
    const list = await axios.get(`${sb.url}/__sandbox/transactions`)
    expect(list.data.map((t: { id: string }) => t.id)).toEqual([id])
    expect((await axios.get(`${sb.url}/__sandbox/transactions/${id}`)).data).toMatchObject({ id, amount: "1000" })
    expect((await axios.post(`${sb.url}/__sandbox/reset`)).status).toBe(204)
    expect(sb.transactions()).toHaveLength(0)
  })

  it("close() ends a response held by a default (120 s) timeout fault", async () => {
    const other = await startSandbox()
    other.addFault({ op: "status", fault: "timeout_before" })
    const pending = axios
      .get(`${other.url}${P}/transaction/status/x`, {
        headers: { "x-api-key": other.credentials.xApiKey, authorization: `Basic ${other.credentials.apiKey}` },
      })
      .catch((e: Error) => e)
    await waitFor(() => other.requests().length === 1)
    const started = Date.now()
    await other.close()
    expect(Date.now() - started).toBeLessThan(1000)
    expect(await pending).toBeInstanceOf(Error)
  })
})

describe("keep-alive and concurrency", () => {
  it("serves 200 concurrent refunds over a keep-alive agent without overspending", async () => {
    const id = await sale("10000")
    const agent = new http.Agent({ keepAlive: true, maxSockets: 20 })
    try {
      const rs = await Promise.all(
        Array.from({ length: 200 }, () =>
          axios.post(`${sb.url}${P}/refund`, { merchant_id: sb.credentials.merchantId, transactionId: id, amount: "100" }, { headers: headers(), validateStatus: () => true, httpAgent: agent }),
        ),
      )
      expect(rs.filter((r) => r.status === 201)).toHaveLength(100)
      expect(rs.filter((r) => r.data.gateway_response?.code === "ERR3019")).toHaveLength(100)
      expect(sb.transaction(id)?.refundedAmount).toBe("10000")
    } finally {
      agent.destroy()
    }
  })
})

describe("3-D Secure, tokens and config switches", () => {
  const CARD_3DS = { ...CARD, number: THREE_DS_CARD }
  const OK = "http://shop.test/3ds-ok"
  const KO = "http://shop.test/3ds-ko"
  const BROWSER = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" }
  let hook: http.Server
  let hookUrl: string
  const received: Record<string, any>[] = []

  beforeAll(async () => {
    hook = http.createServer((req, res) => {
      let raw = ""
      req.on("data", (c) => (raw += c))
      req.on("end", () => {
        received.push(JSON.parse(raw))
        res.end()
      })
    })
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r))
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks/3ds`
  })
  afterAll(() => new Promise<void>((r) => hook.close(() => r())))
  beforeEach(() => {
    received.length = 0
  })

  const returnUrl = () => ({ success_url: OK, decline_url: KO, webhook_url: hookUrl })
  const challenge = (path: string, extra: Record<string, unknown> = {}) =>
    post(path, { amount: "1200", currency: "JPY", merchant_txn_ref: `3ds-${++refSeq}`, card: CARD_3DS, return_url: returnUrl(), ...extra })
  const complete = (url: string, outcome: string, how: "json" | "form") =>
    how === "json"
      ? axios.post(`${url}/complete`, { outcome }, { headers: { accept: "application/json" }, validateStatus: () => true })
      : axios.post(`${url}/complete`, new URLSearchParams({ outcome }).toString(), {
          headers: { "content-type": "application/x-www-form-urlencoded", ...BROWSER },
          maxRedirects: 0,
          validateStatus: () => true,
        })
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
  // The sandbox logs a delivery when the hook's answer arrives, i.e. after the hook saw the body.
  const delivered = (n: number) => waitFor(() => sb.webhooks().length >= n && received.length >= n)

  it.each([
    ["/authorizationv2", "PRE_AUTH", "pass", "json"],
    ["/authorizationv2", "PRE_AUTH", "fail", "form"],
    ["/paymentv2", "CAPTURE", "pass", "form"],
    ["/paymentv2", "CAPTURE", "fail", "json"],
  ] as const)("%s → %s challenge, %s via %s: pending, then final; webhook after completion", async (path, type, outcome, how) => {
    const r = await challenge(path)
    expect(r.status).toBe(200)
    const id = r.data.transaction_details.id
    expect(r.data).toEqual({
      url: r.data.redirect_url,
      statusCode: 200,
      success: true,
      redirect_url: expect.stringMatching(new RegExp(`^${sb.url}/3ds/[A-Za-z0-9_-]+$`)),
      transaction_details: { id, merchant_txn_ref: expect.stringMatching(/^3ds-/) },
    })
    expect(sb.transaction(id)).toMatchObject({ type, status: "pending", threeDs: "challenge", scheme: "VISA" })
    const before = await getStatus(id)
    expect(before.data).toMatchObject({ success: false, transaction_type: type, gateway_response: { code: "PEND0578" }, payment_details: { response_code: 578 } })
    await sleep(50)
    expect(sb.webhooks()).toHaveLength(0) // nothing is reported before the shopper is done

    const c = await complete(r.data.redirect_url, outcome, how)
    const pass = outcome === "pass"
    if (how === "json") {
      expect(c.status).toBe(200)
      expect(c.data.redirect_url).toBe(pass ? OK : KO)
      expect(c.data.transaction).toMatchObject({ success: pass, transaction_type: type, transaction_details: { id } })
    } else {
      expect(c.status).toBe(303)
      expect(c.headers.location).toBe(pass ? OK : KO)
    }

    const after = (await getStatus(id)).data
    if (pass) {
      expect(after).toMatchObject({ success: true, gateway_response: { type: "INFO", code: "INFO0000" }, payment_details: { response_code: 0 } })
      expect(sb.transaction(id)).toMatchObject({ status: "succeeded", threeDs: "passed", responseCode: 0 })
    } else {
      expect(after).toMatchObject({
        success: false,
        gateway_response: { code: "ERR0204", message: "Card authentication failed" },
        payment_details: { response_code: 937, responseDescription: "Card authentication failed" },
      })
      expect(sb.transaction(id)).toMatchObject({ status: "declined", threeDs: "failed", responseCode: 937 })
    }

    await delivered(1)
    expect(received[0]).toEqual(after) // webhook = the status envelope
    expect(sb.webhooks()).toEqual([expect.objectContaining({ url: hookUrl, transactionId: id, duplicate: false, attempt: 1, status: 200 })])

    // Follow-ups only once authenticated.
    const next = type === "PRE_AUTH" ? await post("/capture", { transactionId: id, amount: "1200" }) : await refund(id, "1200")
    expect(next.status).toBe(pass ? 201 : 400)
  })

  it("serves a usable challenge page; a second completion is 409, unknown tokens 404", async () => {
    const r = await challenge("/paymentv2")
    const page = await axios.get(r.data.redirect_url, { headers: BROWSER })
    expect(page.status).toBe(200)
    expect(page.headers["content-type"]).toContain("text/html")
    expect(page.data).toContain("Authenticate")
    expect(page.data).toContain("Fail authentication")
    expect(page.data).toContain("3155")
    const token = r.data.redirect_url.split("/").pop()
    expect(page.data).toContain(`action="/3ds/${token}/complete"`)

    expect((await complete(r.data.redirect_url, "maybe", "json")).status).toBe(400)
    expect((await complete(r.data.redirect_url, "pass", "json")).status).toBe(200)
    const again = await complete(r.data.redirect_url, "fail", "json")
    expect(again.status).toBe(409)
    expect(again.data).toEqual({ message: "Challenge already completed" })
    expect((await axios.get(r.data.redirect_url, { validateStatus: () => true })).status).toBe(409)
    expect(sb.transaction(r.data.transaction_details.id)?.status).toBe("succeeded")

    expect((await complete(`${sb.url}/3ds/nope`, "pass", "json")).status).toBe(404)
    expect((await axios.get(`${sb.url}/3ds/nope`, { validateStatus: () => true })).status).toBe(404)
  })

  it("v2 needs return_url for the 3DS card; v1 and other cards do not", async () => {
    for (const [path, ru] of [
      ["/paymentv2", undefined],
      ["/authorizationv2", { webhook_url: hookUrl }],
      ["/paymentv2", { success_url: OK }],
    ] as const) {
      const r = await challenge(path, { return_url: ru })
      expect(r.status).toBe(400)
      expect(r.data.gateway_response).toMatchObject({ code: "VAL0035", message: "return_url is required for 3-D Secure" })
    }
    expect(sb.transactions()).toHaveLength(0)
    const v1 = await challenge("/payment", { return_url: undefined })
    expect(v1.status).toBe(201)
    expect(v1.data).toMatchObject({ success: true, transaction_type: "CAPTURE", payment_details: { response_code: 0 } })
    expect((await post("/paymentv2", { amount: "1", currency: "JPY", merchant_txn_ref: "plain", card: CARD })).status).toBe(201)
  })

  it("3DS through a stored token; a token requested on a 3DS call is issued only when it passes", async () => {
    const stored = await challenge("/payment", { payment_method: { type: "scheme", store_payment_method: true } })
    const token = stored.data.payment_details.additional_data.stored_payment_method_id
    expect(token).toMatch(/^[0-9a-f-]{36}$/)

    const r = await challenge("/paymentv2", { card: undefined, payment_method: { type: "scheme", stored_payment_method_id: token } })
    expect(r.status).toBe(200)
    expect(r.data.redirect_url).toContain("/3ds/")
    const c = await complete(r.data.redirect_url, "pass", "json")
    expect(c.data.transaction).toMatchObject({
      success: true,
      payment_details: { scheme: "VISA", card: { number: THREE_DS_CARD }, additional_data: { stored_payment_method_id: token } },
    })

    const fresh = await challenge("/authorizationv2", { payment_method: { type: "scheme", store_payment_method: true } })
    expect(fresh.status).toBe(200)
    expect(sb.transaction(fresh.data.transaction_details.id)?.storedPaymentMethodId).toBeUndefined()
    const done = await complete(fresh.data.redirect_url, "pass", "json")
    const issued = done.data.transaction.payment_details.additional_data.stored_payment_method_id
    expect(issued).toMatch(/^[0-9a-f-]{36}$/)
    expect(issued).not.toBe(token)

    const failed = await challenge("/authorizationv2", { payment_method: { type: "scheme", store_payment_method: true } })
    const f = await complete(failed.data.redirect_url, "fail", "json")
    expect(f.data.transaction.payment_details.additional_data.stored_payment_method_id).toBeUndefined()
  })

  it("sandbox.settle completes an open challenge (declined → 937) and reports it", async () => {
    const r = await challenge("/paymentv2")
    const id = r.data.transaction_details.id
    sb.settle(id, "declined")
    expect(sb.transaction(id)).toMatchObject({ status: "declined", responseCode: 937, threeDs: "failed" })
    expect((await complete(r.data.redirect_url, "pass", "json")).status).toBe(409)
    await delivered(1)
    expect(received[0].payment_details.response_code).toBe(937)
  })

  it("token payments echo the stored card's scheme and number; unknown tokens are rejected", async () => {
    const amex = { ...CARD, number: "371449635398431", cvc: "1234" }
    const first = await post("/authorization", { amount: "500", currency: "JPY", merchant_txn_ref: "tk1", card: amex, payment_method: { store_payment_method: true } })
    const token = first.data.payment_details.additional_data.stored_payment_method_id
    const paid = await post("/paymentv2", { amount: "700", currency: "JPY", merchant_txn_ref: "tk2", payment_method: { type: "scheme", stored_payment_method_id: token } })
    expect(paid.status).toBe(201)
    expect(paid.data.payment_details).toMatchObject({ scheme: "AMEX", card: { number: amex.number, name: amex.name, exp_month: "12", exp_year: "30" } })
    expect(paid.data.payment_details.card.number.slice(-4)).toBe(first.data.payment_details.card.number.slice(-4))
    expect(paid.data.payment_details.additional_data.stored_payment_method_id).toBe(token)

    for (const path of ["/payment", "/paymentv2", "/authorization"]) {
      const bad = await post(path, { amount: "1", currency: "JPY", merchant_txn_ref: "tk3", payment_method: { stored_payment_method_id: "00000000-0000-0000-0000-000000000000" } })
      expect(bad.status).toBe(400)
      expect(bad.data.gateway_response).toMatchObject({ code: "VAL0035", message: "Unknown stored_payment_method_id" })
    }
    expect(sb.transactions()).toHaveLength(2)
  })

  it("threeDsBodyHasTransactionId=false drops transaction_details (POST /__sandbox/config); reset restores it", async () => {
    const set = await axios.post(`${sb.url}/__sandbox/config`, { threeDsBodyHasTransactionId: false })
    expect(set.status).toBe(200)
    expect(set.data).toEqual({ ...DEFAULT_SANDBOX_CONFIG, threeDsBodyHasTransactionId: false })
    const r = await challenge("/paymentv2")
    expect(r.status).toBe(200)
    expect(Object.keys(r.data).sort()).toEqual(["redirect_url", "statusCode", "success", "url"])
    const [txn] = sb.transactions()
    expect(txn).toMatchObject({ status: "pending", threeDs: "challenge" })
    // Correlate through the webhook, as a client of the real gateway would have to.
    await complete(r.data.redirect_url, "pass", "json")
    await delivered(1)
    expect(received[0].transaction_details.id).toBe(txn.id)

    sb.reset()
    expect(sb.config()).toEqual(DEFAULT_SANDBOX_CONFIG)
    expect((await axios.get(`${sb.url}/__sandbox/config`)).data).toEqual(DEFAULT_SANDBOX_CONFIG)
  })

  it('hppTransactionId "new": the sale gets its own id, status by link id stays 404, the webhook names it', async () => {
    expect(sb.configure({ hppTransactionId: "new" }).hppTransactionId).toBe("new")
    const l = await post("/hpp/generate/link", {
      amount: "1500",
      currency: "JPY",
      merchant_txn_ref: `hpp-new-${++refSeq}`,
      return_url: { webhook_url: hookUrl, success_url: OK, decline_url: KO },
    })
    const pay = await axios.post(`${l.data.url}/pay`, { card_number: "4111111111111111", card_name: "H", exp_month: "12", exp_year: "30", cvc: "123" }, {
      headers: { accept: "application/json" },
    })
    expect(pay.status).toBe(200)
    const saleId = pay.data.transaction.transaction_details.id
    expect(saleId).not.toBe(l.data.id)
    expect((await getStatus(l.data.id)).status).toBe(404)
    expect(sb.transaction(l.data.id)).toBeUndefined()
    await delivered(1)
    expect(received[0]).toMatchObject({ success: true, transaction_details: { id: saleId } })
    expect(sb.webhooks()[0].transactionId).toBe(saleId)
    expect((await getStatus(saleId)).data).toMatchObject({ success: true, transaction_details: { id: saleId } })
    expect(sb.transaction(saleId)).toMatchObject({ source: "hpp", status: "succeeded" })
  })

  it("webhookDuplicates 2 → three deliveries of the same body, flagged", async () => {
    sb.configure({ webhookDuplicates: 2 })
    const id = await sale("100", "JPY", { return_url: { webhook_url: hookUrl } })
    await delivered(3)
    await sleep(50)
    expect(received).toHaveLength(3)
    expect(received[1]).toEqual(received[0])
    expect(received[2]).toEqual(received[0])
    expect(received[0].transaction_details.id).toBe(id)
    const log = sb.webhooks()
    expect(log.map((w) => [w.transactionId, w.duplicate, w.attempt, w.status])).toEqual([
      [id, false, 1, 200],
      [id, true, 1, 200],
      [id, true, 1, 200],
    ])
    expect(log[1].body).toEqual(log[0].body)
  })

  it("webhookDelayMs delays the first delivery", async () => {
    sb.configure({ webhookDelayMs: 300 })
    const started = Date.now()
    await sale("100", "JPY", { return_url: { webhook_url: hookUrl } })
    await sleep(150)
    expect(received).toHaveLength(0)
    await delivered(1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
  })

  it("rejects invalid switches and accepts them as start options", async () => {
    for (const bad of [
      { hppTransactionId: "x" },
      { webhookDuplicates: -1 },
      { webhookDuplicates: 1.5 },
      { webhookDelayMs: "5" },
      { threeDsBodyHasTransactionId: "no" },
      { refundWebhooks: null },
      { captureWebhooks: "yes" },
      { voidWebhooks: 1 },
      { nope: 1 },
    ]) {
      const r = await axios.post(`${sb.url}/__sandbox/config`, bad, { validateStatus: () => true })
      expect([bad, r.status]).toEqual([bad, 400])
    }
    expect(() => sb.configure({ webhookDuplicates: -2 })).toThrow(/webhookDuplicates/)
    expect(sb.config()).toEqual(DEFAULT_SANDBOX_CONFIG)
    await expect(startSandbox({ hppTransactionId: "bad" as "new" })).rejects.toThrow(/hppTransactionId/)

    expect(DEFAULT_SANDBOX_CONFIG).toMatchObject({ refundWebhooks: true, captureWebhooks: true, voidWebhooks: true })
    const start = { threeDsBodyHasTransactionId: false, webhookDuplicates: 1, refundWebhooks: false, captureWebhooks: false, voidWebhooks: false }
    const other = await startSandbox(start)
    try {
      // Every switch is a start option (refundWebhooks used to be dropped here).
      expect(other.config()).toEqual({ ...DEFAULT_SANDBOX_CONFIG, ...start })
      other.configure({ webhookDuplicates: 0 })
      other.reset()
      expect(other.config().webhookDuplicates).toBe(1)
    } finally {
      await other.close()
    }
  })
})
