/**
 * HTTP helpers for returns through a real Medusa 2.21 Admin API: what a return needs (an order whose items are
 * fulfilled, so a stock location, a fulfillment set, a service zone, a shipping profile and a manual shipping
 * option), then the admin's return flow: create → request items → confirm request → begin receive →
 * receive items → confirm receive (which emits `order.return_received`).
 *
 * Like store-flow.ts they take any axios instance and type Medusa payloads loosely.
 */
import { AxiosInstance, AxiosResponse } from "axios"
import { AuthHeaders } from "./store-flow"

async function call<T = any>(what: string, fn: () => Promise<AxiosResponse<T>>): Promise<T> {
  try {
    return (await fn()).data
  } catch (e: any) {
    if (e?.response) {
      const { status, data, config } = e.response
      throw new Error(`${what} failed: ${config?.method?.toUpperCase()} ${config?.url} -> ${status} ${JSON.stringify(data).slice(0, 2000)}`)
    }
    throw new Error(`${what} failed: ${e?.message ?? String(e)}`)
  }
}

export type FulfillmentSetup = { locationId: string; shippingOptionId: string; shippingProfileId: string }

/**
 * A stock location linked to the sales channel with the built-in manual fulfillment provider, a shipping
 * fulfillment set with a service zone for `countryCode`, and a free flat-rate manual shipping option.
 */
export async function setupFulfillment(
  api: AxiosInstance,
  admin: AuthHeaders,
  opts: { salesChannelId: string; countryCode: string; currency_code: string }
): Promise<FulfillmentSetup> {
  const tag = Math.random().toString(36).slice(2, 8)
  const { stock_location } = await call("create stock location", () =>
    api.post("/admin/stock-locations", { name: `Warehouse ${tag}` }, admin)
  )
  await call("link location to sales channel", () =>
    api.post(`/admin/stock-locations/${stock_location.id}/sales-channels`, { add: [opts.salesChannelId] }, admin)
  )
  await call("enable manual fulfillment at location", () =>
    api.post(`/admin/stock-locations/${stock_location.id}/fulfillment-providers`, { add: ["manual_manual"] }, admin)
  )
  await call("create fulfillment set", () =>
    api.post(`/admin/stock-locations/${stock_location.id}/fulfillment-sets`, { name: `Shipping ${tag}`, type: "shipping" }, admin)
  )
  const withSet = await call("get fulfillment sets", () =>
    api.get(`/admin/stock-locations/${stock_location.id}?fields=${encodeURIComponent("id,*fulfillment_sets")}`, admin)
  )
  const fulfillmentSet = withSet.stock_location.fulfillment_sets[0]
  const withZone = await call("create service zone", () =>
    api.post(
      `/admin/fulfillment-sets/${fulfillmentSet.id}/service-zones`,
      { name: `Zone ${tag}`, geo_zones: [{ type: "country", country_code: opts.countryCode }] },
      admin
    )
  )
  const serviceZone = withZone.fulfillment_set.service_zones?.[0] ?? withZone.fulfillment_set
  const { shipping_profile } = await call("create shipping profile", () =>
    api.post("/admin/shipping-profiles", { name: `Profile ${tag}`, type: "default" }, admin)
  )
  const { shipping_option } = await call("create shipping option", () =>
    api.post(
      "/admin/shipping-options",
      {
        name: `Manual ${tag}`,
        service_zone_id: serviceZone.id,
        shipping_profile_id: shipping_profile.id,
        provider_id: "manual_manual",
        price_type: "flat",
        type: { label: "Standard", description: "Standard", code: `standard-${tag}` },
        prices: [{ currency_code: opts.currency_code, amount: 0 }],
      },
      admin
    )
  )
  return { locationId: stock_location.id, shippingOptionId: shipping_option.id, shippingProfileId: shipping_profile.id }
}

/** The order's line items (id, quantity, unit_price). */
export async function orderItems(api: AxiosInstance, admin: AuthHeaders, orderId: string): Promise<any[]> {
  const { order } = await call("get order items", () =>
    api.get(`/admin/orders/${orderId}?fields=${encodeURIComponent("id,*items")}`, admin)
  )
  return order.items
}

/** POST /admin/orders/:id/fulfillments for every item in full. */
export async function fulfillOrder(api: AxiosInstance, admin: AuthHeaders, orderId: string, setup: FulfillmentSetup): Promise<void> {
  const items = await orderItems(api, admin, orderId)
  await call("fulfill order", () =>
    api.post(
      `/admin/orders/${orderId}/fulfillments`,
      {
        items: items.map((i) => ({ id: i.id, quantity: i.quantity })),
        location_id: setup.locationId,
        shipping_option_id: setup.shippingOptionId,
      },
      admin
    )
  )
}

export type ReturnItem = { id: string; quantity: number }

/**
 * The admin's return flow through the API: create the return, request the items, confirm the request,
 * begin receiving, receive the items (all of them unless `receive` says otherwise), confirm the receipt.
 * Returns the return id.
 */
export async function returnAndReceive(
  api: AxiosInstance,
  admin: AuthHeaders,
  opts: {
    orderId: string
    locationId: string
    items: ReturnItem[]
    /** Items to receive (default: all requested); an empty list stops before receiving. */
    receive?: ReturnItem[]
    /** A return shipping method charged to the customer. */
    shipping?: { shippingOptionId: string; amount: number }
  }
): Promise<string> {
  const { return: created } = await call("create return", () =>
    api.post("/admin/returns", { order_id: opts.orderId, location_id: opts.locationId }, admin)
  )
  const returnId = created.id
  await call("request return items", () => api.post(`/admin/returns/${returnId}/request-items`, { items: opts.items }, admin))
  if (opts.shipping) {
    const { shippingOptionId, amount } = opts.shipping
    await call("add return shipping", () =>
      api.post(`/admin/returns/${returnId}/shipping-method`, { shipping_option_id: shippingOptionId, custom_amount: amount }, admin)
    )
  }
  await call("confirm return request", () => api.post(`/admin/returns/${returnId}/request`, {}, admin))
  const receive = opts.receive ?? opts.items
  if (receive.length) await receiveReturn(api, admin, returnId, receive)
  return returnId
}

/** Begin receive → receive items → confirm receive, on a requested return. */
export async function receiveReturn(api: AxiosInstance, admin: AuthHeaders, returnId: string, items: ReturnItem[]): Promise<void> {
  await call("begin receive", () => api.post(`/admin/returns/${returnId}/receive`, {}, admin))
  await call("receive items", () => api.post(`/admin/returns/${returnId}/receive-items`, { items }, admin))
  await call("confirm receive", () => api.post(`/admin/returns/${returnId}/receive/confirm`, {}, admin))
}

/** GET /admin/returns/:id with its metadata and status. */
export async function getReturn(api: AxiosInstance, admin: AuthHeaders, returnId: string): Promise<any> {
  const { return: ret } = await call("get return", () =>
    api.get(`/admin/returns/${returnId}?fields=${encodeURIComponent("id,status,order_id,metadata,refund_amount,*items")}`, admin)
  )
  return ret
}

/** The order's summary (pending_difference, paid_total, refunded_total, …). */
export async function orderSummary(api: AxiosInstance, admin: AuthHeaders, orderId: string): Promise<any> {
  const { order } = await call("get order summary", () => api.get(`/admin/orders/${orderId}?fields=summary`, admin))
  return order.summary
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes (then returns the last value). */
export async function waitFor<T>(fn: () => Promise<T>, timeoutMs = 15_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last = await fn()
  while (!last && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, intervalMs))
    last = await fn()
  }
  return last
}

/**
 * Makes the order owe more and pays that with a second PaymentOptions payment: an order edit adds
 * `quantity` of `variantId` (request + confirm), Medusa opens a payment collection for the difference, the
 * admin creates a PaymentOptions session on it and the shopper pays on the hosted page. `authorize` then turns
 * the paid session into the order's payment (Medusa 2.21's admin route for that only takes sessions in
 * `pending_authorization`; the spec uses the payment module and capturePaymentWorkflow). Returns the payment id.
 */
export async function payMoreWithSecondPayment(
  api: AxiosInstance,
  admin: AuthHeaders,
  opts: {
    orderId: string
    variantId: string
    quantity: number
    providerId: string
    pay: (redirectUrl: string) => Promise<unknown>
    authorize: (paymentSessionId: string) => Promise<string>
  }
): Promise<string> {
  const { order_change } = await call("create order edit", () => api.post("/admin/order-edits", { order_id: opts.orderId }, admin))
  // The order-edit routes take the order id.
  const editId = order_change.order_id ?? opts.orderId
  await call("add order edit items", () =>
    api.post(`/admin/order-edits/${editId}/items`, { items: [{ variant_id: opts.variantId, quantity: opts.quantity }] }, admin)
  )
  await call("request order edit", () => api.post(`/admin/order-edits/${editId}/request`, {}, admin))
  await call("confirm order edit", () => api.post(`/admin/order-edits/${editId}/confirm`, {}, admin))

  const fields = "id,*payment_collections,*payment_collections.payments"
  const { order } = await call("get order collections", () =>
    api.get(`/admin/orders/${opts.orderId}?fields=${encodeURIComponent(fields)}`, admin)
  )
  const open = (order.payment_collections ?? []).find((pc: any) => pc.status === "not_paid")
  if (!open) throw new Error(`order ${opts.orderId} has no unpaid payment collection: ${JSON.stringify(order.payment_collections).slice(0, 1500)}`)
  const { payment_collection } = await call("create payment session", () =>
    api.post(`/admin/payment-collections/${open.id}/payment-sessions?fields=${encodeURIComponent("*payment_sessions")}`, { provider_id: opts.providerId }, admin)
  )
  const session = (payment_collection.payment_sessions ?? []).find((s: any) => s.provider_id === opts.providerId)
  if (!session?.data?.redirect_url) throw new Error(`no hosted-page session: ${JSON.stringify(payment_collection).slice(0, 1500)}`)
  await opts.pay(session.data.redirect_url)
  return opts.authorize(session.id)
}

/** A return shipping option (rule is_return = true) on the same service zone as the given outbound option. */
export async function createReturnShippingOption(
  api: AxiosInstance,
  admin: AuthHeaders,
  opts: { shippingOptionId: string; currency_code: string }
): Promise<string> {
  const { shipping_option: outbound } = await call("get shipping option", () =>
    api.get(`/admin/shipping-options/${opts.shippingOptionId}?fields=${encodeURIComponent("id,service_zone_id,shipping_profile_id")}`, admin)
  )
  const tag = Math.random().toString(36).slice(2, 8)
  const { shipping_option } = await call("create return shipping option", () =>
    api.post(
      "/admin/shipping-options",
      {
        name: `Return ${tag}`,
        service_zone_id: outbound.service_zone_id,
        shipping_profile_id: outbound.shipping_profile_id,
        provider_id: "manual_manual",
        price_type: "flat",
        type: { label: "Return", description: "Return", code: `return-${tag}` },
        prices: [{ currency_code: opts.currency_code, amount: 0 }],
        rules: [{ attribute: "is_return", operator: "eq", value: "true" }],
      },
      admin
    )
  )
  return shipping_option.id
}
