FROM elidaian/edsudoku-gunicorn

MAINTAINER Eli Daian "elidaian@gmail.com"

# Install mysql
RUN pip install mysql

