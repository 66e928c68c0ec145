import { createUserAccountWorkflow } from "@medusajs/medusa/core-flows"
import { MedusaContainer } from "@medusajs/framework/types"
import { AxiosInstance } from "axios"
import { Sandbox, startSandbox } from "../../sandbox"
import { adminHeaders, AuthHeaders } from "./store-flow"

/**
 * Starts the bundled sandbox for a real-Medusa spec and sets the env that medusa-config reads
 * (PO_BASE_URL plus `env`), before the test runner loads the config: call it at the top of the spec file,
 * before medusaIntegrationTestRunner, so its beforeAll runs first. Restores the env and stops the sandbox
 * afterwards. Returns the sandbox (usable once the spec's hooks have run).
 */
export function sandboxForMedusa(env: () => Record<string, string> | Promise<Record<string, string>> = () => ({})): Sandbox {
  let started: Sandbox | undefined
  const saved: Record<string, string | undefined> = {}
  beforeAll(async () => {
    started = await startSandbox({ port: 0, quiet: true })
    const vars = { PO_BASE_URL: started.url, ...(await env()) }
    for (const [key, value] of Object.entries(vars)) {
      saved[key] = process.env[key]
      process.env[key] = value
    }
  })
  afterAll(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
    await started?.close()
  })
  return new Proxy({} as Sandbox, {
    get(_, property) {
      if (!started) throw new Error("the sandbox starts in beforeAll")
      const value = (started as any)[property]
      return typeof value === "function" ? value.bind(started) : value
    },
  })
}

/** The gateway's refunds of a captured transaction, oldest first. */
export function gatewayRefundsOf(sandbox: Sandbox, transactionId: string) {
  return sandbox.transactions().filter((t) => t.type === "REFUND" && t.parentId === transactionId)
}

/** Registers and logs in an admin in a medusaIntegrationTestRunner suite (the user row via Medusa's own workflow). */
export async function testAdmin(api: AxiosInstance, getContainer: () => MedusaContainer): Promise<AuthHeaders> {
  return adminHeaders(api, async (authIdentityId, email) => {
    await createUserAccountWorkflow(getContainer()).run({ input: { authIdentityId, userData: { email } } })
  })
}
