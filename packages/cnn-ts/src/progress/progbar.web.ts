/**
 * What browser builds get for `#progbar` (package.json `imports`): training
 * progress is printed only in Node (fit() loads the logger only there).
 */
export class ProgbarLogger {
  constructor() {
    throw new Error('cnn-ts: the terminal progress bar is Node-only');
  }
}
