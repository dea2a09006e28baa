// built by web/build.sh
