// Command-line options of the scripts: `--name value` and `--name=value` alike.

/** The value of option `name` in `argv`, or undefined when it is absent. */
export function optionValue(argv, name) {
  const inline = argv.find((arg) => arg.startsWith(`${name}=`));
  if (inline) return inline.slice(name.length + 1);
  return argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined;
}
