/** What every page of the console gets and gives back. */
import { Api } from '../api.js';
import { Principal } from '../types.js';

export interface ViewContext {
  api: Api;
  me: Principal;
  /** The part of the address after the view's name, e.g. a job id. */
  param?: string;
  /** Draws the current page again (after an action changed what it shows). */
  refresh: () => void;
}

export interface Rendered {
  title: string;
  body: HTMLElement;
  /** Redraw every this many milliseconds while the page is open: live progress. */
  liveEvery?: number;
}

export type View = (ctx: ViewContext) => Promise<Rendered>;
