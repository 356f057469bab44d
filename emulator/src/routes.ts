import * as Admin from './admin/AdminHandler';
import * as Webhooks from './admin/WebhookAdmin';
import type { Handler } from './handlers/context';
import * as Identity from './handlers/IdentityHandler';
import * as Messages from './handlers/MessageHandler';
import * as Participants from './handlers/ParticipantHandler';
import * as Receipts from './handlers/ReadReceiptHandler';
import * as Threads from './handlers/ThreadHandler';
import { Router } from './http/router';

const T = '/chat/threads/{threadId}';

export function buildRouter(): Router<Handler> {
  return (
    new Router<Handler>()
      // Identity (HMAC)
      .add({
        method: 'POST',
        path: '/identities',
        surface: 'identity',
        operation: 'CreateUser',
        handler: Identity.createUser,
      })
      .add({
        method: 'DELETE',
        path: '/identities/{id}',
        surface: 'identity',
        operation: 'DeleteUser',
        handler: Identity.deleteUser,
      })
      .add({
        method: 'POST',
        path: '/identities/{id}/:issueAccessToken',
        surface: 'identity',
        operation: 'IssueAccessToken',
        handler: Identity.issueAccessToken,
      })
      .add({
        method: 'POST',
        path: '/identities/{id}/:revokeAccessTokens',
        surface: 'identity',
        operation: 'RevokeAccessTokens',
        handler: Identity.revokeAccessTokens,
      })
      .add({
        method: 'POST',
        path: '/teamsUser/:exchangeAccessToken',
        surface: 'identity',
        operation: 'ExchangeTeamsUserAccessToken',
        handler: Identity.exchangeTeamsUserAccessToken,
      })
      // Chat (user token)
      .add({
        method: 'POST',
        path: '/chat/threads',
        surface: 'chat',
        operation: 'CreateChatThread',
        handler: Threads.createChatThread,
      })
      .add({
        method: 'GET',
        path: '/chat/threads',
        surface: 'chat',
        operation: 'ListChatThreads',
        handler: Threads.listChatThreads,
      })
      .add({
        method: 'GET',
        path: T,
        surface: 'chat',
        operation: 'GetChatThreadProperties',
        handler: Threads.getChatThreadProperties,
      })
      .add({
        method: 'PATCH',
        path: T,
        surface: 'chat',
        operation: 'UpdateChatThreadProperties',
        handler: Threads.updateChatThreadProperties,
      })
      .add({
        method: 'DELETE',
        path: T,
        surface: 'chat',
        operation: 'DeleteChatThread',
        handler: Threads.deleteChatThread,
      })
      .add({
        method: 'POST',
        path: `${T}/messages`,
        surface: 'chat',
        operation: 'SendChatMessage',
        handler: Messages.sendChatMessage,
      })
      .add({
        method: 'GET',
        path: `${T}/messages`,
        surface: 'chat',
        operation: 'ListChatMessages',
        handler: Messages.listChatMessages,
      })
      .add({
        method: 'GET',
        path: `${T}/messages/{messageId}`,
        surface: 'chat',
        operation: 'GetChatMessage',
        handler: Messages.getChatMessage,
      })
      .add({
        method: 'PATCH',
        path: `${T}/messages/{messageId}`,
        surface: 'chat',
        operation: 'UpdateChatMessage',
        handler: Messages.updateChatMessage,
      })
      .add({
        method: 'DELETE',
        path: `${T}/messages/{messageId}`,
        surface: 'chat',
        operation: 'DeleteChatMessage',
        handler: Messages.deleteChatMessage,
      })
      .add({
        method: 'POST',
        path: `${T}/participants/:add`,
        surface: 'chat',
        operation: 'AddChatParticipants',
        handler: Participants.addChatParticipants,
      })
      .add({
        method: 'GET',
        path: `${T}/participants`,
        surface: 'chat',
        operation: 'ListChatParticipants',
        handler: Participants.listChatParticipants,
      })
      .add({
        method: 'POST',
        path: `${T}/participants/:remove`,
        surface: 'chat',
        operation: 'RemoveChatParticipant',
        handler: Participants.removeChatParticipant,
      })
      .add({
        method: 'POST',
        path: `${T}/typing`,
        surface: 'chat',
        operation: 'SendTypingNotification',
        handler: Receipts.sendTypingNotification,
      })
      .add({
        method: 'POST',
        path: `${T}/readReceipts`,
        surface: 'chat',
        operation: 'SendChatReadReceipt',
        handler: Receipts.sendChatReadReceipt,
      })
      .add({
        method: 'GET',
        path: `${T}/readReceipts`,
        surface: 'chat',
        operation: 'ListChatReadReceipts',
        handler: Receipts.listChatReadReceipts,
      })
      // Admin (x-emulator-key)
      .add({ method: 'GET', path: '/admin/state', surface: 'admin', handler: Admin.getState })
      .add({ method: 'POST', path: '/admin/reset', surface: 'admin', handler: Admin.reset })
      .add({ method: 'POST', path: '/admin/faults', surface: 'admin', handler: Admin.addFault })
      .add({ method: 'GET', path: '/admin/faults', surface: 'admin', handler: Admin.listFaults })
      .add({ method: 'DELETE', path: '/admin/faults', surface: 'admin', handler: Admin.deleteAllFaults })
      .add({ method: 'DELETE', path: '/admin/faults/{id}', surface: 'admin', handler: Admin.deleteFault })
      .add({ method: 'PUT', path: '/admin/throttling', surface: 'admin', handler: Admin.setThrottling })
      .add({ method: 'GET', path: '/admin/webhooks', surface: 'admin', handler: Webhooks.listWebhooks })
      .add({ method: 'GET', path: '/admin/webhooks/{name}', surface: 'admin', handler: Webhooks.getWebhook })
      .add({ method: 'PUT', path: '/admin/webhooks/{name}', surface: 'admin', handler: Webhooks.putWebhook })
      .add({ method: 'DELETE', path: '/admin/webhooks/{name}', surface: 'admin', handler: Webhooks.deleteWebhook })
      .add({ method: 'GET', path: '/admin/events/deadletter', surface: 'admin', handler: Webhooks.listDeadLetters })
      .add({ method: 'DELETE', path: '/admin/events/deadletter', surface: 'admin', handler: Webhooks.clearDeadLetters })
  );
}
