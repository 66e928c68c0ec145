import axios from "axios"
import { DEFAULT_TEST_CARD, Sandbox } from "../../sandbox"
import PaymentOptionsProviderService from "../../src/providers/paymentoptions/service"
import { PaymentOptionsOptions } from "../../src/providers/paymentoptions/options"

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

export function providerFor(sandbox: Sandbox, overrides: Partial<PaymentOptionsOptions> = {}) {
  const { logger, lines } = recordingLogger()
  const provider = new PaymentOptionsProviderService(
    { logger },
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
  return { provider, logs: lines }
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
  const authorized = await provider.authorizePayment({ data: initiated.data })
  return { initiated, authorized, data: authorized.data as Record<string, any> }
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
