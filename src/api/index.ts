/** Every HTTP operation of the app, in the order the OpenAPI document lists them. */
import { archiveThread, getArchive, getArchivedMessages } from './archive';
import { health, openApiDocument } from './health';
import {
  addParticipants,
  createThread,
  createUser,
  deleteThread,
  getParticipantJob,
  getThread,
  removeParticipant,
  sendMessage,
} from './threads';

export const API_OPERATIONS = [
  health,
  openApiDocument,
  createUser,
  createThread,
  getThread,
  deleteThread,
  addParticipants,
  getParticipantJob,
  removeParticipant,
  sendMessage,
  archiveThread,
  getArchive,
  getArchivedMessages,
] as const;
