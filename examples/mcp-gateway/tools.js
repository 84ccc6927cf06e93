'use strict';
// The MCP server's own tools, unaware of any policy: a search, a calendar, a staff directory
// whose records hold social security numbers (as text, structured content and an embedded
// resource), an email sender, a shell and a payment tool. They return canned data so that the
// example runs anywhere; the gateway (gateway.js) decides every call before one of these runs,
// and redacts what they return.

const kDirectory = {
  ada: {name: 'Ada Lovelace', department: 'engineering', desk: '4.12', ssn: '123-45-6789'},
  grace: {name: 'Grace Hopper', department: 'operations', desk: '2.01', ssn: '987-65-4321'},
};

const kCalendar = {
  '2026-12-01': ['09:00 stand-up', '14:00 design review'],
  '2026-12-02': ['10:00 1:1 with Grace'],
};

function text(value) {
  return {content: [{type: 'text', text: value}]};
}

// A result the tool itself reports as failed (MCP `isError`), as opposed to a thrown error.
function toolError(value) {
  return {content: [{type: 'text', text: value}], isError: true};
}

function stringArgument(args, name) {
  const value = args[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`argument \`${name}\` must be a non-empty string`);
  }
  return value;
}

const tools = [
  {
    name: 'search',
    description: 'Searches the company wiki.',
    inputSchema: {type: 'object', properties: {query: {type: 'string'}}, required: ['query']},
    run: async (args) => text(`3 wiki pages match "${stringArgument(args, 'query')}".`),
  },
  {
    name: 'calendar.read',
    description: "Lists the user's meetings on a day (YYYY-MM-DD).",
    inputSchema: {type: 'object', properties: {day: {type: 'string'}}, required: ['day']},
    run: async (args) => {
      const day = stringArgument(args, 'day');
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return toolError(`not a day: ${day}`);
      const events = kCalendar[day] || [];
      return text(events.length > 0 ? events.join('\n') : 'no meetings');
    },
  },
  {
    name: 'directory.lookup',
    description: 'Looks up a colleague in the staff directory.',
    inputSchema: {type: 'object', properties: {name: {type: 'string'}}, required: ['name']},
    outputSchema: {
      type: 'object',
      properties: {
        name: {type: 'string'},
        department: {type: 'string'},
        desk: {type: 'string'},
        ssn: {type: 'string'},
      },
      required: ['name', 'department', 'desk', 'ssn'],
    },
    // The record three ways: as text, as structured content and as an embedded resource.
    run: async (args) => {
      const name = stringArgument(args, 'name');
      const record = kDirectory[name];
      if (record === undefined) return toolError(`no colleague named "${name}"`);
      const line = `${record.name}, ${record.department}, desk ${record.desk}, SSN ${record.ssn}`;
      return {
        content: [
          {type: 'text', text: line},
          {type: 'resource',
           resource: {uri: `directory://staff/${name}`, mimeType: 'application/json',
                      text: JSON.stringify(record)}},
        ],
        structuredContent: {...record},
      };
    },
  },
  {
    name: 'send_email',
    description: 'Sends an email.',
    inputSchema: {
      type: 'object',
      properties: {to: {type: 'string'}, subject: {type: 'string'}, body: {type: 'string'}},
      required: ['to', 'subject', 'body'],
    },
    run: async (args) => text(`sent "${stringArgument(args, 'subject')}" to ` +
                              stringArgument(args, 'to')),
  },
  {
    name: 'shell.exec',
    description: 'Runs a shell command on the build host.',
    inputSchema: {type: 'object', properties: {command: {type: 'string'}},
                  required: ['command']},
    run: async (args) => text(`$ ${stringArgument(args, 'command')}\n(exit 0)`),
  },
  {
    name: 'payments.transfer',
    description: 'Transfers money.',
    inputSchema: {type: 'object', properties: {amount: {type: 'integer'}, to: {type: 'string'}},
                  required: ['amount', 'to']},
    run: async (args) => text(`transferred ${args.amount} to ${stringArgument(args, 'to')}`),
  },
];

module.exports = {tools};
