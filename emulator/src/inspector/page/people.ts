/** Display names as the threads know them: ACS users have no name of their own, only per-thread display names. */
import type { MessageView, Person } from '../views';

const names = new Map<string, string>();

export function learn(people: readonly Person[] | undefined): void {
  for (const p of people ?? []) if (p.displayName) names.set(p.id, p.displayName);
}

export function learnFromMessage(m: MessageView): void {
  if (m.senderId && m.senderDisplayName) names.set(m.senderId, m.senderDisplayName);
  learn(m.participants);
}

/** The last characters of the id: `8:acs:…_0000001a-…-5f3c2b` → `user 5f3c2b`. */
export function shortId(id: string): string {
  const tail = id.replace(/[^0-9a-zA-Z]/g, '').slice(-6);
  return id.startsWith('8:acs:') ? `user ${tail}` : id.length > 16 ? `…${id.slice(-12)}` : id;
}

export function nameOf(id: string | undefined): string {
  if (!id) return 'someone';
  return names.get(id) ?? shortId(id);
}

function list(people: readonly Person[]): string {
  const n = people.map((p) => p.displayName || nameOf(p.id));
  return n.length <= 1 ? (n[0] ?? 'nobody') : `${n.slice(0, -1).join(', ')} and ${n[n.length - 1]}`;
}

/** One line for a system message, e.g. "Ana added Bot and Ben". */
export function describeSystem(m: MessageView): string {
  const who = nameOf(m.initiatorId);
  switch (m.type) {
    case 'topicUpdated':
      return `${who} set the topic to “${m.content ?? ''}”`;
    case 'participantAdded':
      return `${who} added ${list(m.participants ?? [])}`;
    case 'participantRemoved': {
      const removed = m.participants ?? [];
      return removed.length === 1 && removed[0]?.id === m.initiatorId
        ? `${who} left`
        : `${who} removed ${list(removed)}`;
    }
    default:
      return m.type;
  }
}

/** A short preview of a message for lists. */
export function preview(m: MessageView): string {
  if (m.type !== 'text' && m.type !== 'html') return describeSystem(m);
  if (m.deletedOn) return `${nameOf(m.senderId)}: message deleted`;
  return `${m.senderDisplayName || nameOf(m.senderId)}: ${m.content ?? ''}`;
}
