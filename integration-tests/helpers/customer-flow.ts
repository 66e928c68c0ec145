/**
 * A registered, logged-in store customer through Medusa 2.21's store auth (emailpass): register an identity, create
 * the customer with the registration token, log in. Saved cards belong to such customers.
 */
import type { AxiosInstance } from "axios"
import type { StoreHeaders } from "./store-flow"

export type StoreCustomer = { id: string; email: string; token: string }

export async function registerCustomer(api: AxiosInstance, storeHeaders: StoreHeaders, name: string): Promise<StoreCustomer> {
  const email = `${name}-${Math.random().toString(36).slice(2, 8)}@example.com`
  const password = "a-long-test-password-1"
  const reg = await api.post("/auth/customer/emailpass/register", { email, password })
  const created = await api.post(
    "/store/customers",
    { email, first_name: name },
    { headers: { ...storeHeaders.headers, authorization: `Bearer ${reg.data.token}` } }
  )
  const login = await api.post("/auth/customer/emailpass", { email, password })
  return { id: created.data.customer.id, email, token: login.data.token }
}

/** Store headers acting as `customer` (publishable key + bearer token). */
export function asCustomer(storeHeaders: StoreHeaders, customer: StoreCustomer): StoreHeaders {
  return { headers: { ...storeHeaders.headers, authorization: `Bearer ${customer.token}` } }
}
