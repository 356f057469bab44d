export class ParticipantJobSweep {
  constructor(_deps: unknown) {}
  async run(): Promise<number> {
    return 0;
  }
}
