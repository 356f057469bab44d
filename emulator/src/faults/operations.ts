export const OPERATION_NAMES = [
  'CreateUser',
  'IssueAccessToken',
  'RevokeAccessTokens',
  'DeleteUser',
  'ExchangeTeamsUserAccessToken',
  'CreateChatThread',
  'ListChatThreads',
  'GetChatThreadProperties',
  'UpdateChatThreadProperties',
  'DeleteChatThread',
  'SendChatMessage',
  'GetChatMessage',
  'ListChatMessages',
  'UpdateChatMessage',
  'DeleteChatMessage',
  'AddChatParticipants',
  'ListChatParticipants',
  'RemoveChatParticipant',
  'SendTypingNotification',
  'SendChatReadReceipt',
  'ListChatReadReceipts',
] as const;

export type OperationName = (typeof OPERATION_NAMES)[number];

export function isOperationName(v: unknown): v is OperationName {
  return typeof v === 'string' && (OPERATION_NAMES as readonly string[]).includes(v);
}
