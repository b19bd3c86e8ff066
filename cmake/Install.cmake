# `cmake --install build` (README "Installing"): the binary, a systemd unit with its sandbox, the
# sysusers entry for the `cutover` user, a sample config, and the docs with a logrotate snippet.
# Paths are chosen when configuring (-DCMAKE_INSTALL_PREFIX=/usr puts the config in /etc/cutover;
# the default /usr/local puts it in /usr/local/etc/cutover); DESTDIR stages an install elsewhere.
include(GNUInstallDirs)

set(CUTOVER_CONFDIR ${CMAKE_INSTALL_FULL_SYSCONFDIR}/cutover)
set(CONFDIR ${CUTOVER_CONFDIR})
set(CONFIG ${CUTOVER_CONFDIR}/cutover.yaml)
set(BINDIR ${CMAKE_INSTALL_FULL_BINDIR})
set(DOCDIR ${CMAKE_INSTALL_FULL_DOCDIR})
set(staged ${CMAKE_CURRENT_BINARY_DIR}/install)
configure_file(deploy/systemd/cutover.service.in ${staged}/cutover.service @ONLY)
configure_file(deploy/systemd/cutover.yaml ${staged}/cutover.yaml @ONLY)

install(TARGETS cutover RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${staged}/cutover.service DESTINATION lib/systemd/system)
install(FILES deploy/systemd/cutover.sysusers DESTINATION lib/sysusers.d RENAME cutover.conf)
install(FILES README.md docs/runbook.md docs/security.md docs/deployment.md ${staged}/cutover.yaml
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES deploy/systemd/cutover.logrotate DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME logrotate)
# The config is the operator's once it exists: an upgrade installs the sample only where there is
# none (the sample is always in the docs directory).
install(CODE "
  set(config \"\$ENV{DESTDIR}${CONFIG}\")
  if(EXISTS \"\${config}\")
    message(STATUS \"Kept: \${config} (the sample config is in ${DOCDIR})\")
  else()
    message(STATUS \"Installing: \${config}\")
    file(MAKE_DIRECTORY \"\$ENV{DESTDIR}${CUTOVER_CONFDIR}\")
    file(COPY_FILE \"${staged}/cutover.yaml\" \"\${config}\")
  endif()
")
