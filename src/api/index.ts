/** Every HTTP operation of the app, in the order the OpenAPI document lists them. */
import { archiveThread, getArchive, getArchivedMessages } from './archive';
import { health, openApiDocument } from './health';
import { cancelSchedule, createSchedule, getSchedule, listSchedules, updateSchedule } from './schedules';
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
  createSchedule,
  listSchedules,
  getSchedule,
  updateSchedule,
  cancelSchedule,
  archiveThread,
  getArchive,
  getArchivedMessages,
] as const;
