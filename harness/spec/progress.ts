/** One board's state in a progress report: what a person watching the run wants to see. */
export interface BoardProgress {
  id: string;
  /** The MQTT state the agent last reported (`connected`, `connecting`…), `starting` or `not ready`. */
  mqtt: string;
  /** Active outages on it. */
  faults: string[];
  /** Messages emitted and not yet delivered. */
  pending: number;
}

/** How far a scenario is: the runner produces it about every second, reporters show it. */
export interface ScenarioProgress {
  scenario: string;
  phase: 'setup' | 'timeline' | 'drain' | 'done';
  /** ms since t = 0 (every board ready); 0 during set-up. */
  elapsedMs: number;
  /** The timeline's length with its drain, ms. */
  totalMs: number;
  boards: BoardProgress[];
}
