import axios from "axios"
import { DEFAULT_TEST_CARD, Sandbox, startSandbox } from "../../sandbox"
import PaymentOptionsProviderService from "../../src/providers/paymentoptions/service"
import { PaymentOptionsOptions } from "../../src/providers/paymentoptions/options"
import { MemoryStore } from "../helpers/memory-store"

export const TEST_PROVIDER_ID = "pp_paymentoptions_test"

/**
 * What Medusa does with the `data` a provider method returns: deep-merged into what is stored (objects merge,
 * arrays and scalars are replaced, `undefined` deletes). Tests chain calls through it, as Medusa would.
 */
export function medusaMerge(stored: Record<string, any> | undefined, returned: Record<string, any> | undefined): Record<string, any> {
  const out: Record<string, any> = { ...(stored ?? {}) }
  for (const [key, value] of Object.entries(returned ?? {})) {
    if (value === undefined) delete out[key]
    else if (value && typeof value === "object" && !Array.isArray(value) && out[key] && typeof out[key] === "object" && !Array.isArray(out[key])) {
      out[key] = medusaMerge(out[key], value)
    } else out[key] = value
  }
  return out
}

/** A logger that records every line, so tests can assert what reached the logs. */
export function recordingLogger() {
  const lines: string[] = []
  const record = (level: string) => (...args: unknown[]) => {
    lines.push(`${level} ${args.map((a) => (a instanceof Error ? a.message : typeof a === "string" ? a : JSON.stringify(a))).join(" ")}`)
  }
  return {
    lines,
    logger: {
      warn: record("warn"),
      info: record("info"),
      error: record("error"),
      debug: record("debug"),
      log: record("log"),
      activity: () => "",
      progress: () => undefined,
      success: () => undefined,
      failure: () => undefined,
      shouldLog: () => true,
      setLogLevel: () => undefined,
      unsetLogLevel: () => undefined,
      panic: record("panic"),
    } as any,
  }
}

export function providerFor(sandbox: Sandbox, overrides: Partial<PaymentOptionsOptions> = {}, store = new MemoryStore()) {
  const { logger, lines } = recordingLogger()
  const provider = new PaymentOptionsProviderService(
    { logger, paymentOptionsStore: store, paymentOptionsProviderId: TEST_PROVIDER_ID } as any,
    {
      apiKey: sandbox.credentials.apiKey,
      xApiKey: sandbox.credentials.xApiKey,
      merchantId: sandbox.credentials.merchantId,
      baseUrl: sandbox.url,
      timeoutMs: 2000,
      refundSettleTimeoutMs: 300,
      refundSettleIntervalMs: 50,
      backendUrl: "http://127.0.0.1:9",
      ...overrides,
    }
  )
  return { provider, logs: lines, store }
}

let sessionCounter = 0

/** A shopper pays on the hosted page, as the storefront would redirect them; returns the captured payment data. */
export async function paidPayment(
  provider: PaymentOptionsProviderService,
  amount: number | string,
  currency_code = "jpy",
  card = DEFAULT_TEST_CARD
) {
  const session_id = `payses_test_${Date.now()}_${++sessionCounter}`
  const initiated = await provider.initiatePayment({ amount, currency_code, data: { session_id } })
  await payOnHostedPage(initiated.data!.redirect_url as string, card)
  const session = medusaMerge({ session_id }, initiated.data)
  const authorized = await provider.authorizePayment({ data: session })
  return { initiated, authorized, data: medusaMerge(session, authorized.data) }
}

export async function payOnHostedPage(redirectUrl: string, card: string = DEFAULT_TEST_CARD) {
  const res = await axios.post(
    `${redirectUrl}/pay`,
    { card_number: card, card_name: "TARO YAMADA", exp_month: "12", exp_year: "30", cvc: "123" },
    { headers: { Accept: "application/json" }, validateStatus: () => true }
  )
  if (res.status !== 200) throw new Error(`hosted page answered ${res.status}: ${JSON.stringify(res.data)}`)
  return res.data
}

export function refundRequests(sandbox: Sandbox) {
  return sandbox.requests().filter((r) => r.path.endsWith("/refund"))
}

export async function rejection(promise: Promise<unknown>): Promise<Error & { type?: string }> {
  try {
    await promise
  } catch (e) {
    return e as Error & { type?: string }
  }
  throw new Error("expected a rejection")
}

let idCounter = 0

/** A fresh Medusa-like payment session id (the gateway's merchant_txn_ref; at most 45 characters). */
export function newSessionId(prefix = "payses"): string {
  return `${prefix}_${Date.now().toString(36)}${(++idCounter).toString(36)}`
}

/** The context Medusa passes for a logged-in customer: their account holder of this provider. */
export function customerContext(holderId = "acchld_alice", customerId = "cus_alice") {
  return { account_holder: { id: holderId, provider_id: TEST_PROVIDER_ID }, customer: { id: customerId } } as any
}

/** What the plugin's card route hands to updatePayment: card data in memory, the IP from the request. */
export function cardPayment(number: string = DEFAULT_TEST_CARD, client_ip = "203.0.113.7") {
  return { card: { number, cvc: "123", expiry_month: "12", expiry_year: "30", name: "TARO YAMADA" }, client_ip }
}

const MONEY_PATHS = ["/payment", "/paymentv2", "/authorization", "/authorizationv2", "/capture", "/refund", "/void"]

/** POSTs that can move money (sale, pre-auth, capture, refund, void), optionally of one path only. */
export function moneyRequests(sandbox: Sandbox, path?: string) {
  return sandbox
    .requests()
    .filter((r) => r.method === "POST" && (path ? r.path.endsWith(path) : MONEY_PATHS.some((p) => r.path.endsWith(p))))
}

/** The store's operation log of one payment session, in the order the intents were written. */
export function opsOf(store: MemoryStore, sessionId: string) {
  return [...store.operations.values()].filter((op) => op.session_id === sessionId)
}

export async function waitUntil(cond: () => boolean, ms = 3000, what = "condition") {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/**
 * Hands the provider a webhook the sandbox sent (its first delivery matching `match`), as Medusa's webhook route
 * would: the provider's webhook URL points nowhere reachable in this phase, but the sandbox records every body.
 */
export async function deliverWebhook(provider: PaymentOptionsProviderService, sandbox: Sandbox, match: (body: any) => boolean) {
  const find = () => sandbox.webhooks().find((w) => !w.duplicate && w.attempt === 1 && match(w.body))
  await waitUntil(() => !!find(), 3000, "webhook delivery")
  const body = find()!.body as Record<string, unknown>
  return provider.getWebhookActionAndData({ data: body, rawData: JSON.stringify(body), headers: {} })
}

/** A webhook naming transaction `id`. */
export const naming = (id: string) => (body: any) => body?.transaction_details?.id === id

export interface Transition {
  key: string
  kind: string
  status: string
  /** Money POSTs the sandbox had received when the intent was written (only on "sending"). */
  sentBefore?: number
}

/**
 * Records every status an operation of `store` goes through, in order. The "sending" entry also notes how many money
 * requests the sandbox had seen at that moment, so a test can show the intent was written before its request left.
 */
export function recordTransitions(store: MemoryStore, sandbox: Sandbox): Transition[] {
  const log: Transition[] = []
  const begin = store.beginOperation.bind(store)
  const update = store.updateOperation.bind(store)
  store.beginOperation = async (input) => {
    const result = await begin(input)
    if (result.created) log.push({ key: input.key, kind: input.kind, status: "sending", sentBefore: moneyRequests(sandbox).length })
    return result
  }
  store.updateOperation = async (id, patch) => {
    const op = await update(id, patch)
    log.push({ key: op.key, kind: op.kind, status: op.status })
    return op
  }
  return log
}

/** The statuses one kind of operation went through, e.g. ["sending", "unknown", "succeeded"]. */
export function statusesOf(log: Transition[], kind: string): string[] {
  return log.filter((t) => t.kind === kind).map((t) => t.status)
}

/**
 * The sandbox of one spec file: started before its tests, reset before each, closed after all. The returned object
 * stands for the running sandbox (it may be used only inside tests and hooks).
 */
export function useSandbox(): Sandbox {
  let current: Sandbox | undefined
  beforeAll(async () => {
    current = await startSandbox()
  })
  afterAll(async () => {
    await current?.close()
  })
  beforeEach(() => current!.reset())
  return new Proxy({} as Sandbox, {
    get(_target, key) {
      const value = (current as any)?.[key]
      return typeof value === "function" ? value.bind(current) : value
    },
  })
}
