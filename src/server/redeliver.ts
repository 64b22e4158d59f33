import type { Probot } from 'probot';

interface Delivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  status_code: number;
  event: string;
}

/** Attempts per delivery (the first included) after which a failing delivery is left alone. */
const MAX_ATTEMPTS = 3;

/**
 * Asks GitHub to deliver again the webhooks that did not reach this app (it
 * was down, or answered 5xx) since `since`: one redelivery per failed GUID
 * that has no successful attempt, up to three attempts in all. GitHub does not
 * redeliver on its own. With the app's JWT:
 * https://docs.github.com/en/rest/apps/webhooks#list-deliveries-for-an-app-webhook
 * https://docs.github.com/en/rest/apps/webhooks#redeliver-a-delivery-for-an-app-webhook
 */
export async function redeliverFailed(probot: Probot, since: number): Promise<number> {
  const octokit = await probot.auth();
  const { data } = await octokit.request('GET /app/hook/deliveries', { per_page: 100 });
  const byGuid = new Map<string, Delivery[]>();
  for (const d of data as Delivery[]) {
    if (Date.parse(d.delivered_at) < since) continue;
    byGuid.set(d.guid, [...(byGuid.get(d.guid) ?? []), d]);
  }
  let asked = 0;
  for (const attempts of byGuid.values()) {
    if (attempts.some((a) => a.status_code >= 200 && a.status_code < 300) || attempts.length >= MAX_ATTEMPTS) continue;
    const latest = attempts.reduce((a, b) => (Date.parse(a.delivered_at) >= Date.parse(b.delivered_at) ? a : b));
    await octokit.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: latest.id });
    asked++;
  }
  return asked;
}
