/**
 * HTTP helpers that drive a real Medusa 2.21 server through its Admin and Store APIs:
 * admin login, a minimal store (sales channel + publishable key + region + one product),
 * a checkout through the PaymentOptions hosted payment page, and capture / refund.
 *
 * They take any axios instance: the `api` that medusaIntegrationTestRunner hands to a suite,
 * or `axios.create({ baseURL: "http://localhost:9000" })` for a server started elsewhere
 * (scripts/demo.ts). Medusa payloads are typed loosely on purpose.
 * Money values are passed through exactly as Medusa returns them (major units, no coercion).
 */
import axios, { AxiosInstance, AxiosResponse } from "axios"

export const PAYMENTOPTIONS_PROVIDER_ID = "pp_paymentoptions_paymentoptions"

export type AuthHeaders = { headers: Record<string, string> }
export type StoreHeaders = { headers: Record<string, string> }

/** Creates the `user` record for a registered auth identity (e.g. createUserAccountWorkflow). */
export type CreateUserFn = (authIdentityId: string, email: string) => Promise<void>

export type AdminCredentials = { email: string; password: string }

export const DEFAULT_ADMIN: AdminCredentials = {
  email: "admin@medusa-test.local",
  password: "supersecret-password",
}

/** Default card accepted by the bundled sandbox's hosted payment page. */
export const SANDBOX_CARD = {
  card_number: "4111111111111111",
  card_name: "TARO YAMADA",
  exp_month: "12",
  exp_year: "30",
  cvc: "123",
}

/** Rewrites an axios error into one readable line (method, url, status, body). */
function describeError(e: any, what: string): Error {
  if (e?.response) {
    const { status, data, config } = e.response
    const body = typeof data === "string" ? data : JSON.stringify(data)
    return new Error(
      `${what} failed: ${config?.method?.toUpperCase()} ${config?.url} -> ${status} ${body?.slice(0, 2000)}`
    )
  }
  return new Error(`${what} failed: ${e?.message ?? String(e)}`)
}

async function call<T = any>(what: string, fn: () => Promise<AxiosResponse<T>>): Promise<T> {
  try {
    return (await fn()).data
  } catch (e) {
    throw describeError(e, what)
  }
}

function decodeJwtPayload(token: string): Record<string, any> {
  const part = token.split(".")[1]
  if (!part) throw new Error(`not a JWT: ${token.slice(0, 20)}…`)
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8"))
}

/**
 * Returns admin auth headers `{ headers: { authorization: "Bearer …" } }`.
 *
 * - With `createUser`: registers an emailpass identity, lets the callback create the
 *   user for it (in tests: createUserAccountWorkflow), then logs in.
 * - With `createUser = null`: only logs in (the user already exists, e.g. `medusa user -e … -p …`).
 */
export async function adminHeaders(
  api: AxiosInstance,
  createUser: CreateUserFn | null,
  creds: AdminCredentials = DEFAULT_ADMIN
): Promise<AuthHeaders> {
  if (createUser) {
    const reg = await call("register admin identity", () =>
      api.post("/auth/user/emailpass/register", creds)
    )
    const payload = decodeJwtPayload(reg.token)
    const authIdentityId = payload.auth_identity_id
    if (!authIdentityId) {
      throw new Error(`registration token has no auth_identity_id: ${JSON.stringify(payload)}`)
    }
    await createUser(authIdentityId, creds.email)
  }
  const login = await call("admin login", () => api.post("/auth/user/emailpass", creds))
  if (!login?.token) throw new Error(`admin login returned no token: ${JSON.stringify(login)}`)
  return { headers: { authorization: `Bearer ${login.token}` } }
}

const COUNTRY_BY_CURRENCY: Record<string, string> = {
  jpy: "jp",
  usd: "us",
  eur: "de",
  gbp: "gb",
  cad: "ca",
  aud: "au",
  sgd: "sg",
  hkd: "hk",
  krw: "kr",
  twd: "tw",
  thb: "th",
  cny: "cn",
  inr: "in",
}

export type SeedStoreOptions = {
  currency_code: string
  /** Variant price in the currency's major units, exactly as Medusa stores it (5000 = ¥5,000). */
  unit_price: number
  providerId?: string
  /** Defaults from the currency (jpy → ["jp"], usd → ["us"], …). */
  countries?: string[]
  automatic_taxes?: boolean
}

export type SeededStore = {
  regionId: string
  variantId: string
  productId: string
  salesChannelId: string
  publishableKey: string
  storeHeaders: StoreHeaders
}

/**
 * Creates a sales channel, a publishable API key linked to it, a region that offers the
 * provider, and a published product with one variant (no inventory, no shipping profile,
 * so the cart needs no shipping method).
 */
export async function seedStore(
  api: AxiosInstance,
  admin: AuthHeaders,
  opts: SeedStoreOptions
): Promise<SeededStore> {
  const currency = opts.currency_code.toLowerCase()
  const providerId = opts.providerId ?? PAYMENTOPTIONS_PROVIDER_ID
  const countries = opts.countries ?? [COUNTRY_BY_CURRENCY[currency] ?? currency.slice(0, 2)]
  const tag = Math.random().toString(36).slice(2, 8)

  const { sales_channel } = await call("create sales channel", () =>
    api.post("/admin/sales-channels", { name: `Webshop ${tag}` }, admin)
  )
  const { api_key } = await call("create publishable key", () =>
    api.post("/admin/api-keys", { title: `Storefront ${tag}`, type: "publishable" }, admin)
  )
  await call("link publishable key to sales channel", () =>
    api.post(`/admin/api-keys/${api_key.id}/sales-channels`, { add: [sales_channel.id] }, admin)
  )

  const regionBody: Record<string, unknown> = {
    name: `Region ${currency.toUpperCase()} ${tag}`,
    currency_code: currency,
    countries,
    payment_providers: [providerId],
  }
  if (opts.automatic_taxes !== undefined) regionBody.automatic_taxes = opts.automatic_taxes
  const { region } = await call("create region", () => api.post("/admin/regions", regionBody, admin))

  const { product } = await call("create product", () =>
    api.post(
      "/admin/products",
      {
        title: `Test product ${tag}`,
        status: "published",
        options: [{ title: "Default", values: ["Default"] }],
        sales_channels: [{ id: sales_channel.id }],
        variants: [
          {
            title: "Default",
            sku: `SKU-${tag}`,
            manage_inventory: false,
            options: { Default: "Default" },
            prices: [{ currency_code: currency, amount: opts.unit_price }],
          },
        ],
      },
      admin
    )
  )

  return {
    regionId: region.id,
    variantId: product.variants[0].id,
    productId: product.id,
    salesChannelId: sales_channel.id,
    publishableKey: api_key.token,
    storeHeaders: { headers: { "x-publishable-api-key": api_key.token } },
  }
}

export type CheckoutOptions = {
  regionId: string
  variantId: string
  quantity?: number
  email?: string
  providerId?: string
  /** Overrides for the card posted to the hosted page (defaults: SANDBOX_CARD). */
  card?: Partial<typeof SANDBOX_CARD> & Record<string, unknown>
  /** Extra fields for POST /store/carts (e.g. billing_address). */
  cart?: Record<string, unknown>
  /** Skip paying on the hosted page (to test an unpaid completion). */
  skipPay?: boolean
  /** `data` for the payment session (e.g. a saved card's `stored_payment_method_id`). */
  sessionData?: Record<string, unknown>
}

export type CheckoutResult = {
  cart: any
  order: any
  paymentSession: any
  payResponse: any
  completeResponse: any
}

/** Starts checkout up to the created payment session (no payment on the hosted page yet). */
export async function startCheckout(
  api: AxiosInstance,
  storeHeaders: StoreHeaders,
  opts: CheckoutOptions
): Promise<{ cart: any; paymentCollection: any; paymentSession: any }> {
  const providerId = opts.providerId ?? PAYMENTOPTIONS_PROVIDER_ID
  const { cart } = await call("create cart", () =>
    api.post(
      "/store/carts",
      { region_id: opts.regionId, email: opts.email ?? "shopper@example.com", ...(opts.cart ?? {}) },
      storeHeaders
    )
  )
  await call("add line item", () =>
    api.post(
      `/store/carts/${cart.id}/line-items`,
      { variant_id: opts.variantId, quantity: opts.quantity ?? 1 },
      storeHeaders
    )
  )
  const { payment_collection } = await call("create payment collection", () =>
    api.post("/store/payment-collections", { cart_id: cart.id }, storeHeaders)
  )
  const withSession = await call("create payment session", () =>
    api.post(
      `/store/payment-collections/${payment_collection.id}/payment-sessions`,
      { provider_id: providerId, ...(opts.sessionData ? { data: opts.sessionData } : {}) },
      storeHeaders
    )
  )
  const sessions: any[] = withSession.payment_collection?.payment_sessions ?? []
  const paymentSession = sessions.find((s) => s.provider_id === providerId) ?? sessions[0]
  if (!paymentSession) {
    throw new Error(`no payment session created: ${JSON.stringify(withSession).slice(0, 2000)}`)
  }
  return { cart, paymentCollection: withSession.payment_collection, paymentSession }
}

/** Pays on the hosted payment page as the shopper would (plain HTTP, not through Medusa). */
export async function payOnHostedPage(
  redirectUrl: string,
  card: CheckoutOptions["card"] = {}
): Promise<any> {
  const url = `${redirectUrl.replace(/\/+$/, "")}/pay`
  return call("pay on hosted page", () =>
    axios.post(url, { ...SANDBOX_CARD, ...card }, { headers: { Accept: "application/json" } })
  )
}

/** POST /store/carts/:id/complete, returning the raw body (`{type:"order"}` or `{type:"cart", error}`). */
export async function completeCart(
  api: AxiosInstance,
  storeHeaders: StoreHeaders,
  cartId: string
): Promise<AxiosResponse<any>> {
  return api.post(`/store/carts/${cartId}/complete`, {}, { ...storeHeaders, validateStatus: () => true })
}

/**
 * Full checkout: cart → line item → payment collection → PaymentOptions session →
 * pay on the hosted page (session `data.redirect_url`) → complete the cart.
 * Throws a readable error when the cart did not become an order.
 */
export async function checkoutWithHostedPage(
  api: AxiosInstance,
  storeHeaders: StoreHeaders,
  opts: CheckoutOptions
): Promise<CheckoutResult> {
  const { cart, paymentSession } = await startCheckout(api, storeHeaders, opts)

  let payResponse: any = undefined
  if (!opts.skipPay) {
    const redirectUrl = paymentSession.data?.redirect_url
    if (typeof redirectUrl !== "string" || !redirectUrl) {
      throw new Error(
        `payment session has no data.redirect_url: ${JSON.stringify(paymentSession).slice(0, 2000)}`
      )
    }
    payResponse = await payOnHostedPage(redirectUrl, opts.card)
  }

  const res = await completeCart(api, storeHeaders, cart.id)
  const completeResponse = res.data
  if (res.status >= 400 || completeResponse?.type !== "order" || !completeResponse?.order) {
    throw new Error(
      `cart ${cart.id} did not become an order: HTTP ${res.status} ${JSON.stringify(completeResponse).slice(0, 2000)}`
    )
  }
  return { cart, order: completeResponse.order, paymentSession, payResponse, completeResponse }
}

export const PAYMENT_FIELDS =
  "+data,+provider_id,+captured_at,+canceled_at,+amount,+currency_code,*captures,*refunds,*refunds.refund_reason"

/** GET /admin/payments/:id with `data`, `captures` and `refunds`. */
export async function getPayment(api: AxiosInstance, admin: AuthHeaders, paymentId: string): Promise<any> {
  const { payment } = await call("get payment", () =>
    api.get(`/admin/payments/${paymentId}?fields=${encodeURIComponent(PAYMENT_FIELDS)}`, admin)
  )
  return payment
}

/** The order's first payment (via its payment collections), with `data`, `captures`, `refunds`. */
export async function getOrderPayment(api: AxiosInstance, admin: AuthHeaders, orderId: string): Promise<any> {
  const fields = "id,*payment_collections,*payment_collections.payments"
  const { order } = await call("get order payments", () =>
    api.get(`/admin/orders/${orderId}?fields=${encodeURIComponent(fields)}`, admin)
  )
  const payments: any[] = (order.payment_collections ?? []).flatMap((pc: any) => pc.payments ?? [])
  if (!payments.length) {
    throw new Error(`order ${orderId} has no payment: ${JSON.stringify(order).slice(0, 2000)}`)
  }
  return getPayment(api, admin, payments[0].id)
}

/** POST /admin/payments/:id/capture (throws on error). Returns the payment. */
export async function capture(api: AxiosInstance, admin: AuthHeaders, paymentId: string, body: { amount?: number } = {}): Promise<any> {
  const { payment } = await call("capture payment", () =>
    api.post(`/admin/payments/${paymentId}/capture`, body, admin)
  )
  return payment
}

export type RefundBody = { amount?: number; note?: string; refund_reason_id?: string }

/**
 * POST /admin/payments/:id/refund (what the admin's Refund button sends).
 * Never throws on an HTTP status: assert on `res.status` / `res.data`.
 */
export async function refund(
  api: AxiosInstance,
  admin: AuthHeaders,
  paymentId: string,
  body: RefundBody = {}
): Promise<AxiosResponse<any>> {
  return api.post(`/admin/payments/${paymentId}/refund`, body, { ...admin, validateStatus: () => true })
}

/** POST /admin/refund-reasons → the created reason. */
export async function createRefundReason(
  api: AxiosInstance,
  admin: AuthHeaders,
  body: { label: string; code?: string; description?: string }
): Promise<any> {
  const { refund_reason } = await call("create refund reason", () =>
    api.post("/admin/refund-reasons", { code: body.code ?? body.label.toLowerCase().replace(/\W+/g, "_"), ...body }, admin)
  )
  return refund_reason
}
