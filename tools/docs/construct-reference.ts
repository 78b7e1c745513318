import { join, relative } from "node:path";
import ts from "typescript";
import { PROJECT_ROOT } from "../shared/paths";

/**
 * The reference of the construct library, generated from its TSDoc with the TypeScript compiler API: for each
 * construct class exported by constructs/index.ts, its summary, its props (type, `@default`, description), its
 * attributes and its public methods, then every interface of the library those name (`HttpApiCors`,
 * `HttpApiResources`, ...). constructs/README.md holds the narrative and links here.
 */

/** Where the generated reference is committed, relative to the project root. */
export const REFERENCE_FILE = "docs/constructs-reference.md";

/** The command that regenerates it. */
export const REGENERATE = "npm run docs";

/** The Markdown reference of the library whose entry point is `<root>/constructs/index.ts`. */
export function constructReference(root: string = PROJECT_ROOT): string {
  const entry = join(root, "constructs", "index.ts");
  const program = ts.createProgram([entry], { strict: true, skipLibCheck: true, noEmit: true, target: ts.ScriptTarget.ES2022 });
  const checker = program.getTypeChecker();
  const library = join(root, "constructs");
  const isLibrary = (node: ts.Node) => !relative(library, node.getSourceFile().fileName).startsWith("..");
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;

  // Every interface and class the library exports, by name: the types a construct's table may point to.
  const exported = new Map<string, ts.InterfaceDeclaration | ts.ClassDeclaration>();
  for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    for (const declaration of target.declarations ?? []) {
      if ((ts.isInterfaceDeclaration(declaration) || ts.isClassDeclaration(declaration)) && isLibrary(declaration)) exported.set(symbol.name, declaration);
    }
  }
  const constructs = [...exported.values()].filter(
    (d): d is ts.ClassDeclaration => ts.isClassDeclaration(d) && heritage(d).includes("Construct"),
  );

  const lines = [
    "# api-auth-cognito/constructs: generated reference",
    "",
    `<!-- Generated from the TSDoc of constructs/*.ts by tools/docs/construct-reference.ts. Do not edit: run \`${REGENERATE}\`. -->`,
    "",
    "Props, attributes and methods of each construct, as their TSDoc describes them. The narrative, the examples and",
    "the errors are in [constructs/README.md](../constructs/README.md).",
    "",
    ...constructs.map((c) => `- [\`${c.name!.text}\`](#${anchor(c.name!.text)})`),
  ];
  for (const construct of constructs) {
    const name = construct.name!.text;
    const seen = new Set<string>();
    const related: string[] = [];
    const note = (typeNode: ts.TypeNode | undefined) => {
      for (const referenced of referencedNames(typeNode)) {
        if (seen.has(referenced) || referenced === name || !exported.has(referenced) || ts.isClassDeclaration(exported.get(referenced)!)) continue;
        seen.add(referenced);
        related.push(referenced);
      }
    };
    lines.push("", `## ${name}`, "", docText(construct));

    const propsParameter = construct.members.find(ts.isConstructorDeclaration)?.parameters[2];
    const propsName = propsParameter?.type && ts.isTypeReferenceNode(propsParameter.type) ? propsParameter.type.typeName.getText() : undefined;
    const props = propsName ? exported.get(propsName) : undefined;
    if (props && ts.isInterfaceDeclaration(props)) {
      seen.add(propsName!);
      lines.push("", `### Props (\`${propsName}\`)`, "", ...propertyTable(props, note));
    }

    const members = construct.members.filter((member) => isPublic(member) && !ts.isConstructorDeclaration(member));
    const attributes = members.filter((m): m is ts.PropertyDeclaration | ts.GetAccessorDeclaration => ts.isPropertyDeclaration(m) || ts.isGetAccessorDeclaration(m));
    if (attributes.length > 0) {
      lines.push("", "### Attributes", "", "| name | type | description |", "|---|---|---|");
      for (const attribute of attributes) {
        note(attribute.type);
        const getter = ts.isGetAccessorDeclaration(attribute) ? " (getter)" : "";
        lines.push(row(code(memberName(attribute)) + getter, code(typeText(attribute.type, optional(attribute))), docText(attribute)));
      }
    }

    const methods = members.filter(ts.isMethodDeclaration);
    if (methods.length > 0) {
      lines.push("", "### Methods", "", "| signature | description |", "|---|---|");
      for (const method of methods) {
        method.parameters.forEach((parameter) => note(parameter.type));
        note(method.type);
        const parameters = method.parameters.map((p) => `${p.dotDotDotToken ? "..." : ""}${p.name.getText()}${p.questionToken ? "?" : ""}: ${typeText(p.type)}`);
        lines.push(row(code(`${memberName(method)}(${parameters.join(", ")}): ${typeText(method.type)}`), docText(method)));
      }
    }

    // The library's own types that the tables above name, and those they name in turn.
    for (let i = 0; i < related.length; i++) {
      const declaration = exported.get(related[i]) as ts.InterfaceDeclaration;
      lines.push("", `### \`${related[i]}\``, "", ...(docText(declaration) ? [docText(declaration), ""] : []), ...propertyTable(declaration, note));
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The table of an interface's properties: name, type, default (`required` when not optional), description. */
function propertyTable(declaration: ts.InterfaceDeclaration, note: (type: ts.TypeNode | undefined) => void): string[] {
  const lines = ["| name | type | default | description |", "|---|---|---|---|"];
  for (const member of declaration.members) {
    if (!ts.isPropertySignature(member) && !ts.isMethodSignature(member)) continue;
    note(member.type);
    const type = ts.isMethodSignature(member)
      ? `(${member.parameters.map((p) => `${p.name.getText()}: ${typeText(p.type)}`).join(", ")}) => ${typeText(member.type)}`
      : typeText(member.type);
    const fallback = member.questionToken ? markdownDefault(tagText(member, "default") ?? "optional") : "required";
    lines.push(row(code(memberName(member)), code(type), fallback, docText(member)));
  }
  return lines;
}

/** A default as written after `@default`: code when it is a literal (`14`, `"arm64"`, `["*"]`), prose otherwise. */
function markdownDefault(text: string): string {
  const [value, ...rest] = text.split(/:\s+/);
  const literal = /^(-?\d+(\.\d+)?|true|false|"[^"]*"|\[.*\])$/.test(value);
  return literal ? [code(value), ...rest].join(": ") : text;
}

/** The summary and body of a node's TSDoc, tags left out, on one line. */
function docText(node: ts.Node): string {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  return oneLine(docs.map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? "").join(" "));
}

/** The text of the first `@<name>` tag of a node's TSDoc, on one line. */
function tagText(node: ts.Node, name: string): string | undefined {
  const tag = ts.getJSDocTags(node).find((t) => t.tagName.text === name);
  return tag ? oneLine(ts.getTextOfJSDocComment(tag.comment) ?? "") : undefined;
}

/** The names of the types a type node refers to (`Record<string, RouteFunction | HttpRouteProps>`: Record, RouteFunction, HttpRouteProps). */
function referencedNames(node: ts.Node | undefined): string[] {
  if (!node) return [];
  const names: string[] = [];
  const visit = (child: ts.Node) => {
    if (ts.isTypeReferenceNode(child)) names.push(child.typeName.getText());
    ts.forEachChild(child, visit);
  };
  visit(node);
  return names;
}

function heritage(declaration: ts.ClassDeclaration): string[] {
  return (declaration.heritageClauses ?? []).flatMap((clause) => clause.types.map((type) => type.expression.getText()));
}

function isPublic(member: ts.ClassElement): boolean {
  const flags = ts.getCombinedModifierFlags(member as ts.Declaration);
  return !(flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected | ts.ModifierFlags.Static)) && !(member.name && ts.isPrivateIdentifier(member.name));
}

function optional(member: ts.PropertyDeclaration | ts.GetAccessorDeclaration): boolean {
  return ts.isPropertyDeclaration(member) && member.questionToken !== undefined;
}

function memberName(member: ts.ClassElement | ts.TypeElement): string {
  return member.name?.getText() ?? "";
}

/** The type as written in the source, on one line; `| undefined` added for optional attributes. */
function typeText(node: ts.TypeNode | undefined, isOptional = false): string {
  const text = node ? oneLine(node.getText()) : "unknown";
  return isOptional ? `${text} | undefined` : text;
}

/** Text on one line, `{@link X}` written as the code `X`. */
function oneLine(text: string): string {
  return text.replace(/\{@link\s+([^}\s|]+)[^}]*\}/g, "`$1`").replace(/\s+/g, " ").trim();
}

function code(text: string): string {
  return text.includes("`") ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** A table row; `|` inside a cell is escaped, also inside code spans, as GitHub's tables need. */
function row(...cells: string[]): string {
  return `| ${cells.map((cell) => cell.replace(/\|/g, "\\|")).join(" | ")} |`;
}

/** GitHub's heading anchor for a plain heading. */
function anchor(heading: string): string {
  return heading.toLowerCase().replace(/[^\w\- ]/g, "").replace(/ /g, "-");
}
