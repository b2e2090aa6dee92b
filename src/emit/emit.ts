// emit(expr, options): a formula (and its gradient, its Hessian) as source code in another language.
//
// In:  an Expr or expression text; options { lang: c | python | numpy | js | glsl | wgsl, grad, hessian, vars, name }.
// Out: the source text of one function (signatures in each target's file: c.ts, python.ts, js.ts, glsl.ts, wgsl.ts),
//      or an ExprError for bad options (unknown language, bad function name, a variable missing from vars).

import { Expr } from '../ir/expr.js';
import { parse } from '../parse/parse.js';
import { ExprError } from '../errors.js';
import { EMIT_LANGS, type EmitLang, type EmitOptions, type EmitPlan, type Target, buildFunction, planOutputs } from './core.js';
import { isReserved } from './names.js';
import { cTarget } from './c.js';
import { pythonTarget, numpyTarget } from './python.js';
import { jsTarget } from './js.js';
import { glslTarget } from './glsl.js';
import { wgslTarget } from './wgsl.js';

export { EMIT_LANGS, type EmitLang, type EmitOptions, type EmitPlan } from './core.js';

export const targets: Readonly<Record<EmitLang, Target>> = {
  c: cTarget,
  python: pythonTarget,
  numpy: numpyTarget,
  js: jsTarget,
  glsl: glslTarget,
  wgsl: wgslTarget,
};

function targetOf(lang: unknown): Target {
  if (typeof lang !== 'string' || !(EMIT_LANGS as readonly string[]).includes(lang)) {
    const shown = typeof lang === 'string' ? `'${lang.replace(/[^\x20-\x7e]/g, '?').slice(0, 40)}'` : String(lang);
    throw new ExprError('usage', `unknown language ${shown} (expected ${EMIT_LANGS.join(', ')})`);
  }
  return targets[lang as EmitLang];
}

function functionName(name: string | undefined, target: Target): string {
  const n = name ?? 'f';
  if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(n)) {
    throw new ExprError('usage', `the function name must be an ASCII identifier (a letter, then letters, digits or _), got '${n.replace(/[^\x20-\x7e]/g, '?').slice(0, 40)}'`);
  }
  if (isReserved(n, target.names)) throw new ExprError('usage', `'${n}' is a reserved word or builtin in ${target.lang}; choose another function name`);
  return n;
}

/** The expressions an emitted function computes (the value simplified, the partials, the Hessian). */
export function emitPlan(expr: Expr | string, options: Omit<EmitOptions, 'lang'> = {}): EmitPlan {
  const e = typeof expr === 'string' ? parse(expr) : expr;
  return planOutputs(e, options);
}

/** Source code for the value (and with grad/hessian the partials) of an expression in the chosen language. */
export function emit(expr: Expr | string, options: EmitOptions): string {
  if (!options || typeof options !== 'object') throw new ExprError('usage', `emit() needs options with a lang (${EMIT_LANGS.join(', ')})`);
  const target = targetOf(options.lang);
  const name = functionName(options.name, target);
  const e = typeof expr === 'string' ? parse(expr) : expr;
  if (!(e instanceof Expr)) throw new ExprError('usage', 'emit() expects an expression or its text');
  const plan = planOutputs(e, options);
  return buildFunction(target, e, plan, name);
}
