// The HTML page of `ward report` (cli/report_template.cc).

#ifndef WARD_CLI_REPORT_TEMPLATE_H_
#define WARD_CLI_REPORT_TEMPLATE_H_

namespace ward::cli {

// The page, with the placeholder @WARD_DATA@ where the report's JSON goes.
extern const char kReportTemplate[];

}  // namespace ward::cli

#endif  // WARD_CLI_REPORT_TEMPLATE_H_
