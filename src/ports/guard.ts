// The entry files' last line of defence: a promise rejected with nobody awaiting it would
// otherwise end the process with a stack trace and no annotation, so the job log would not
// say what went wrong. It is reported the way the step reports its own failures.
import { errorText } from './exec.js'

type Report = (message: string) => void

/** `report` is core.setFailed for main and the report action, core.warning for post. */
export function guardRejections(report: Report, proc: Pick<NodeJS.Process, 'on'> = process): void {
  proc.on('unhandledRejection', (reason: unknown) => report(`Unexpected error: ${errorText(reason)}`))
}
